using System.CommandLine;
using System.CommandLine.Parsing;

namespace Flows.Training.Cli;

/// <summary>
/// The first thing wrong with a command line, as one line that names the word at fault and where help is: an
/// unknown command or option, a stray argument, an option without its value, an option given twice, a missing
/// required option. System.CommandLine finds these; the wording is ours, so every command reads the same.
/// </summary>
internal static class UsageErrors
{
    public static string? Find(ParseResult result, CommandBinding? binding, string appName, bool checkRequired)
    {
        if (binding is null)
        {
            var word = result.UnmatchedTokens.FirstOrDefault() ?? result.Tokens.FirstOrDefault()?.Value;
            if (result.Errors.Count == 0) return null;
            return word is null
                ? $"{result.Errors[0].Message.TrimEnd('.')}; see '{appName} --help'"
                : word.StartsWith('-') ? $"unknown option {word}; see '{appName} --help'"
                : $"unknown command '{word}'{DidYouMean(word, CommandNames(result))}; see '{appName} --help'";
        }
        string name = binding.Spec.Name, help = $"see '{appName} {name} --help'";
        var names = binding.Options.Values.Select(o => "--" + o.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, spec) in binding.Options)
        {
            var given = result.GetResult(option) as OptionResult;
            int times = given?.IdentifierTokenCount ?? 0;
            if (times > 1 && !spec.Repeatable)
                return $"--{spec.Name} is given {times} times; give it once ({help})";
            // System.CommandLine takes the next word as the value even when it is another option (--out --batch 4).
            if (times > 0 && !spec.IsFlag && (given!.Tokens.Count < times || given.Tokens.Any(t => names.Contains(OptionName(t.Value)))))
                return $"--{spec.Name} needs a value ({spec.ValueName}); {help}";
        }
        var stray = result.UnmatchedTokens.Concat(binding.Spec.PassThrough ? [] : Positional(result, binding)).FirstOrDefault(IsOptionLike)
                    ?? result.UnmatchedTokens.FirstOrDefault();
        if (stray is not null)
            return IsOptionLike(stray)
                ? $"unknown option {OptionName(stray)} for '{name}'{DidYouMean(OptionName(stray), names)}; {help}"
                : $"unexpected argument '{stray}' for '{name}'; {help}";
        if (checkRequired && binding.Options.FirstOrDefault(o => o.Value.Required && result.GetResult(o.Key) is not OptionResult { IdentifierTokenCount: > 0 }).Value is { } missing)
            return $"'{name}' needs --{missing.Name} {missing.ValueName}; {help}";
        var other = result.Errors.FirstOrDefault(e => e.SymbolResult is not OptionResult { IdentifierTokenCount: 0 });
        return other is null ? null : $"{other.Message.TrimEnd('.')} ('{name}'); {help}";
    }

    private static IEnumerable<string> CommandNames(ParseResult result) =>
        result.RootCommandResult.Command.Subcommands.Select(c => c.Name);

    /// <summary>" (did you mean --batch?)" for a word one or two edits away from exactly one known name.</summary>
    private static string DidYouMean(string word, IEnumerable<string> known)
    {
        var near = known.Select(k => (Name: k, Distance: EditDistance(word.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(k => k.Distance <= Math.Min(2, k.Name.Length / 3)).OrderBy(k => k.Distance).ToList();
        return near.Count > 0 && (near.Count == 1 || near[0].Distance < near[1].Distance) ? $" (did you mean {near[0].Name}?)" : "";
    }

    /// <summary>Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    private static IEnumerable<string> Positional(ParseResult result, CommandBinding binding) =>
        binding.Command.Arguments.SelectMany(a => result.GetResult(a)?.Tokens.Select(t => t.Value) ?? []);

    // "-1" or "-0.5" is a value (a negative number), "--bogus" or "-x" an option.
    private static bool IsOptionLike(string word) =>
        word.Length > 1 && word[0] == '-' && !char.IsDigit(word[1]) && word[1] != '.';

    private static string OptionName(string word)
    {
        int end = word.IndexOfAny(['=', ':']);
        return end < 0 ? word : word[..end];
    }
}
