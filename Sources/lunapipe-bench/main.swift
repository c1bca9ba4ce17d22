// In-process benchmarks of the library's own stages (`make bench-stages`):
// the cost of record stages of one's own fused into the scan.
//
//   lunapipe-bench stages [--threads N] [--runs R] CLAIMS...
//
// Runs, alternating, R times each: the national claims job's aggregation
// (`LunaClaims.aggregation`) alone, and the same aggregation after one
// `lookup` (YderKommune → its region, a 98-row table), one `derive` (an
// age band from PatientAlder) and one `filter` (a closure keeping the
// records with a ydernummer), all three reading values by column name.
// Prints each one's median wall seconds, lines/s and the ratio.
import Dispatch
import Foundation
import LunaDomain
import LunaPipeCore

struct Options {
  var threads = 2
  var runs = 3
  var files: [String] = []
}

func parse(_ args: ArraySlice<String>) -> Options {
  var o = Options()
  var i = args.startIndex
  while i < args.endIndex {
    switch args[i] {
    case "--threads": o.threads = Int(args[i + 1]) ?? 2; i += 2
    case "--runs": o.runs = Int(args[i + 1]) ?? 3; i += 2
    default: o.files.append(args[i]); i += 1
    }
  }
  return o
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
  let t0 = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func stages(_ o: Options) throws {
  // A folder of its own (mkdtemp: new, never one that was there), removed after.
  var template = Array((NSTemporaryDirectory() + "lunapipe-bench-XXXXXX").utf8CString)
  guard let made = mkdtemp(&template) else { throw PipelineError.input("cannot make a temporary folder") }
  let dir = String(cString: made)
  defer { try? FileManager.default.removeItem(atPath: dir) }
  // The lookup table: every kommune with its region (as of 2023).
  let g = Geography.denmark
  var table = "kommune;region\n"
  for k in g.kommuner { table += "\(k.code);\(g.region(ofKommune: k.code, year: 2023)?.code ?? 0)\n" }
  let tablePath = dir + "/kommuner.csv"
  try table.write(toFile: tablePath, atomically: true, encoding: .utf8)
  let regions = LookupTable(
    [tablePath],
    schema: Schema(columns: [Column("kommune", .integer(0...9999)), Column("region", .integer(0...9999))]))

  let plain = Pipeline("plain").readCSV(o.files).validate(LunaClaims.schema).aggregate(LunaClaims.aggregation)
  let staged = Pipeline("staged").readCSV(o.files).validate(LunaClaims.schema)
    .lookup("region", in: regions, on: ["YderKommune": "kommune"], adding: ["region"], missing: .absent)
    .derive("Aldersgruppe", .integer(0...200)) { r in r.int("PatientAlder").map { $0 / 10 * 10 } }
    .filter("med-yder") { r in r.int("Ydernummer") != 0 }
    .aggregate(LunaClaims.aggregation)

  var lines = 0
  var times: [String: [Double]] = [:]
  // LUNAPIPE_BENCH_ONLY=plain or staged runs one of them (to profile it).
  let only = ProcessInfo.processInfo.environment["LUNAPIPE_BENCH_ONLY"]
  for round in 0...o.runs {
    for (name, p) in [("plain", plain), ("staged", staged)] where only == nil || only == name {
      let context = RunContext(options: ScanOptions(threads: o.threads), log: { _ in })
      let s = try seconds { _ = try p.run(in: context) }
      lines = context.report.inputs.filter { !$0.path.hasSuffix("kommuner.csv") }.reduce(0) { $0 + $1.lines }
      if round > 0 { times[name, default: []].append(s) }  // round 0 warms up
    }
  }
  let a = median(times["plain"] ?? [1])
  let b = median(times["staged"] ?? [1])
  print("lunapipe-bench stages: \(o.files.count) files, \(lines) lines, \(o.threads) thread(s), \(o.runs) alternating runs, medians")
  print(String(format: "  aggregation alone                 %6.2f s  %9.0f lines/s", a, Double(lines) / a))
  print(String(format: "  + lookup, derive, filter (closures) %6.2f s  %9.0f lines/s", b, Double(lines) / b))
  print(String(format: "  ratio staged / alone: %.3f (target <= 1.15)", b / a))
}

let args = CommandLine.arguments.dropFirst()
switch args.first {
case "stages": try stages(parse(args.dropFirst()))
default:
  FileHandle.standardError.write("usage: lunapipe-bench stages [--threads N] [--runs R] CLAIMS...\n".data(using: .utf8)!)
  exit(64)
}
