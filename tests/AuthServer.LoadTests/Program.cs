using AuthServer.LoadTests;

if (args is ["--seed-tokens", var count, "--database", var file])
{
    TokenTableSeeder.Seed(file, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), Console.Out);
    return 0;
}

if (args is ["--storage", var database])
{
    StorageReport.Print(database, Console.Out);
    return 0;
}

var settings = LoadSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine(LoadSettings.Usage);
    return 2;
}

var results = new List<ScenarioResult>();
foreach (var scenario in settings.Scenarios.Where(s => !LoadSettings.OwnReport.Contains(s)))
{
    results.Add(await LoadRunner.RunAsync(scenario, settings));
}

if (results.Count > 0)
{
    Report.Print(results, settings, Console.Out);
}

if (settings.Scenarios.Contains("refusals"))
{
    Report.PrintRefusals(await RefusalRun.RunAsync(settings, Console.Out), Console.Out);
}

foreach (var scenario in settings.Scenarios.Where(s => s is "revocation" or "poll" or "idle"))
{
    await RevocationRun.RunAsync(scenario, settings, Console.Out);
}

if (settings.Scenarios.Contains("keys"))
{
    await KeyRun.RunAsync(settings, Console.Out);
}

return results.Any(r => r.Succeeded == 0) ? 1 : 0;
