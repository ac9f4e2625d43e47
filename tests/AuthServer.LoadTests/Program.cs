using AuthServer.LoadTests;

if (args is ["--seed-tokens", var count, "--database", var file])
{
    TokenTableSeeder.Seed(file, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), Console.Out);
    return 0;
}

var settings = LoadSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine(LoadSettings.Usage);
    return 2;
}

var results = new List<ScenarioResult>();
foreach (var scenario in settings.Scenarios)
{
    results.Add(await LoadRunner.RunAsync(scenario, settings));
}

Report.Print(results, settings, Console.Out);
return results.Any(r => r.Succeeded == 0) ? 1 : 0;
