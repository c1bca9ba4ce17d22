import Foundation
import TestSupport
import Testing

/// The built command, as a user or a scheduler runs it: exit codes, messages,
/// outputs left untouched by a failing run.
@Suite(
  .enabled(if: try Prerequisites.binary, "runs the release lunapipe: `make test` builds it")
)
struct CommandTests {
  let small = repositoryRoot + "/Samples/small/ydelser-*.csv"

  @Test func helpAnswers() throws {
    let r = try runLunapipe(["--help"])
    #expect(r.exit == 0)
    #expect(r.stdout.contains("run"))
    #expect(r.stdout.contains("samples"))
    let run = try runLunapipe(["run", "--help"])
    for p in ["praksisplan", "plan FILE", "claims-summary", "validate", "objektiv-finansiering"] {
      #expect(run.stdout.contains(p))
    }
    #expect(r.stdout.contains("plan"))
    let planHelp = try runLunapipe(["plan", "--help"])
    for sub in ["check", "show", "template", "exits 78"] { #expect(planHelp.stdout.contains(sub), "\(sub)") }
    let runPlan = try runLunapipe(["run", "plan", "--help"])
    #expect(runPlan.stdout.contains("<file>") && runPlan.stdout.contains("--ydere") && runPlan.stdout.contains("--region"))
    #expect(try runLunapipe(["run", "plan", "--claims", small, "--out", makeTempDir()]).exit == 64)
    // Each pipeline has its own options: none mixed into all.
    let plan = try runLunapipe(["run", "praksisplan", "--help"])
    #expect(plan.stdout.contains("--max-reject-share") && plan.stdout.contains("--ydere"))
    #expect(plan.stdout.contains("--region") && !plan.stdout.contains("--amount") && !plan.stdout.contains("--method"))
    let summary = try runLunapipe(["run", "claims-summary", "--help"])
    #expect(summary.stdout.contains("--claims") && !summary.stdout.contains("--ydere") && !summary.stdout.contains("--region"))
    #expect(try runLunapipe(["run", "claims-summary", "--claims", small, "--out", makeTempDir(), "--region", "1082"]).exit == 64)
  }

  @Test func badArgumentsExit64() throws {
    #expect(try runLunapipe(["run", "praksisplan", "--claims", small]).exit == 64)
    #expect(try runLunapipe(["run", "nosuch", "--claims", small, "--out", makeTempDir()]).exit == 64)
    #expect(try runLunapipe(["run", "praksisplan", "--claims", small, "--out", makeTempDir(), "--threads", "0"]).exit == 64)
  }

  @Test func missingInputExits66NamingIt() throws {
    let r = try runLunapipe(["run", "praksisplan", "--claims", "/nonexistent/ydelser.csv", "--out", makeTempDir() + "/o"])
    #expect(r.exit == 66)
    #expect(r.stderr.contains("/nonexistent/ydelser.csv: no such file"))
  }

  @Test func successPrintsWhereTheTablesAre() throws {
    let out = makeTempDir() + "/out"
    let r = try runLunapipe(["run", "praksisplan", "--claims", small, "--out", out, "--quiet"])
    #expect(r.exit == 0)
    for n in [19, 21, 23, 25, 26, 29, 31, 33, 35, 36] {
      #expect(FileManager.default.fileExists(atPath: out + "/tables/tabel-\(n).csv"))
      #expect(FileManager.default.fileExists(atPath: out + "/tables-da/tabel-\(n).csv"))
      #expect(FileManager.default.fileExists(atPath: out + "/tables-md/tabel-\(n).md"))
      #expect(FileManager.default.fileExists(atPath: out + "/tables-json/tabel-\(n).json"))
    }
    let loud = try runLunapipe(["run", "praksisplan", "--claims", small, "--out", out, "--force"])
    #expect(loud.stdout.contains("tables written to \(out)/tables"))
  }

  @Test func tooManyRejectsExit65AndLeaveThePreviousOutputs() throws {
    let out = makeTempDir() + "/out"
    try #require(try runLunapipe(["run", "praksisplan", "--claims", small, "--out", out, "--quiet"]).exit == 0)
    let before = try FileManager.default.subpathsOfDirectory(atPath: out).sorted()
    let report = FileManager.default.contents(atPath: out + "/run-report.json")
    let r = try runLunapipe(["run", "praksisplan", "--claims", small, "--out", out, "--max-reject-share", "0"])
    #expect(r.exit == 65)
    #expect(r.stderr.contains("most frequent rules"))
    #expect(try FileManager.default.subpathsOfDirectory(atPath: out).sorted() == before)
    #expect(FileManager.default.contents(atPath: out + "/run-report.json") == report)
    #expect(FileManager.default.fileExists(atPath: out + ".failed/rejects.csv"))
  }
}
