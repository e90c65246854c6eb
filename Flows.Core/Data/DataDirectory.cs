namespace Flows.Core.Data;

/// <summary>Where the data sets live: --data-dir, else FLOWS_DATA, else a per-user cache folder.</summary>
public static class DataDirectory
{
    public const string EnvironmentVariable = "FLOWS_DATA";

    /// <summary>The absolute data folder for an explicit choice (may be null) and the process environment.</summary>
    public static string Resolve(string? explicitDir) => Resolve(explicitDir, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Resolve(string?)"/>, reading the environment through <paramref name="getEnvironment"/>.</summary>
    public static string Resolve(string? explicitDir, Func<string, string?> getEnvironment)
    {
        if (!string.IsNullOrWhiteSpace(explicitDir))
            return Path.GetFullPath(explicitDir);
        var fromEnv = getEnvironment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
            return Path.GetFullPath(fromEnv);
        return Path.Combine(UserCacheRoot(getEnvironment), "flowsfromscratch");
    }

    // XDG on Linux; the same ~/.cache fallback elsewhere keeps one rule a user can predict.
    private static string UserCacheRoot(Func<string, string?> getEnvironment)
    {
        var xdg = getEnvironment("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
            return xdg;
        var home = getEnvironment("HOME");
        if (string.IsNullOrWhiteSpace(home))
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrWhiteSpace(home))
            throw new DataException(
                "cannot find a data folder: no --data-dir, no FLOWS_DATA and no home folder; pass --data-dir PATH or set FLOWS_DATA");
        return Path.Combine(home, ".cache");
    }
}
