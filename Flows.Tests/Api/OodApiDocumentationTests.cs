using System.Reflection;
using System.Xml.Linq;
using Flows.Core.Api;

namespace Flows.Tests.Api;

/// <summary>Every public type and member of Flows.Core.Api has XML docs in the file the package ships.</summary>
public sealed class OodApiDocumentationTests
{
    [Test]
    public void EveryPublicMemberOfTheApiIsDocumented()
    {
        var assembly = typeof(OodDetector).Assembly;
        string xml = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.That(File.Exists(xml), Is.True, $"{xml}: Flows.Core generates its documentation file");
        var documented = XDocument.Load(xml).Descendants("member")
            .Where(m => m.Element("summary") is not null || m.Element("inheritdoc") is not null)
            .Select(m => (string)m.Attribute("name")!).ToHashSet();
        var types = assembly.GetExportedTypes().Where(t => t.Namespace == "Flows.Core.Api").ToList();
        Assert.That(types.Select(t => t.Name), Is.SupersetOf(new[] { "OodDetector", "OodDetectorOptions", "OodResult", "ScoreResult", "OodCalibration", "ScoreCalibration", "OodDetectorException" }));
        var missing = new List<string>();
        foreach (var type in types)
        {
            if (!documented.Contains("T:" + type.FullName)) missing.Add("T:" + type.FullName);
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var p in type.GetProperties(flags))
                if (!documented.Contains($"P:{type.FullName}.{p.Name}") && p.GetIndexParameters().Length == 0 && !IsRecordPlumbing(p.Name))
                    missing.Add($"P:{type.FullName}.{p.Name}");
            foreach (var m in type.GetMethods(flags).Where(m => !m.IsSpecialName && !IsRecordPlumbing(m.Name) && m.DeclaringType == type))
                if (!documented.Any(d => d.StartsWith($"M:{type.FullName}.{m.Name}", StringComparison.Ordinal)))
                    missing.Add($"M:{type.FullName}.{m.Name}");
        }
        Assert.That(missing, Is.Empty);
    }

    // Members the compiler writes for records (Equals, ToString, Deconstruct, <Clone>$, EqualityContract) and object's overrides.
    private static bool IsRecordPlumbing(string name) =>
        name is "Equals" or "GetHashCode" or "ToString" or "Deconstruct" or "<Clone>$" or "EqualityContract" or "PrintMembers";
}
