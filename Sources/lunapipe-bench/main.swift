// In-process benchmarks of the library (`make bench-stages`,
// `make bench-generic`).
//
//   lunapipe-bench stages [--threads N] [--runs R] CLAIMS...
//   lunapipe-bench generic [--threads N] [--runs R] [--rows N] [FILE]
//
// stages: the cost of record stages of one's own fused into the scan.
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
  var rows = 4_000_000
  var files: [String] = []
}

func parse(_ args: ArraySlice<String>) -> Options {
  var o = Options()
  var i = args.startIndex
  while i < args.endIndex {
    switch args[i] {
    case "--threads": o.threads = Int(args[i + 1]) ?? 2; i += 2
    case "--runs": o.runs = Int(args[i + 1]) ?? 3; i += 2
    case "--rows": o.rows = Int(args[i + 1]) ?? 4_000_000; i += 2
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

/// generic: the engine on a CSV that is not a claims extract, as the
/// README's "Any CSV" examples read one: sales lines with a text key
/// (state), an ISO date (keyed by its month), a decimal amount, an integer
/// quantity and an optional customer id, counted, summed and with exact
/// distinct customers per state and month. The file (ROWS rows, comma
/// delimited, 10 % of the customers empty) is written once, by a fixed
/// seed, to FILE (default .build/bench-generic/sales-ROWS.csv).
func generic(_ o: Options) throws {
  let path = o.files.first ?? ".build/bench-generic/sales-\(o.rows).csv"
  if !FileManager.default.fileExists(atPath: path) {
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    // Written beside it under a name of its own, then renamed: a file
    // already there (the user's) is neither overwritten nor truncated.
    let tmp = path + ".lunapipe-bench-part"
    guard !FileManager.default.fileExists(atPath: tmp), FileManager.default.createFile(atPath: tmp, contents: nil)
    else { throw PipelineError.input("\(tmp) is in the way: remove it, or give another FILE") }
    guard let out = FileHandle(forWritingAtPath: tmp) else { throw PipelineError.input("cannot write \(tmp)") }
    var rng = UInt64(7)
    func next() -> UInt64 {
      rng &+= 0x9E37_79B9_7F4A_7C15
      var z = rng
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    let states = [
      "California", "New York", "Texas", "Illinois", "Washington", "Minnesota", "Florida", "Oregon", "Maine",
      "Vermont", "Ohio", "Iowa", "Georgia", "Nevada", "Utah", "Idaho",
    ]
    var text = "state,date,amount,quantity,customer\n"
    for i in 0..<o.rows {
      let cents = Int(next() % 2_500_000)
      let customer = next() % 10 == 0 ? "" : String(format: "K%07d", Int(next() % 400_000))
      let day = String(format: "%04d-%02d-%02d", 2016 + Int(next() % 8), 1 + Int(next() % 12), 1 + Int(next() % 28))
      text += "\(states[Int(next() % 16)]),\(day),\(cents / 100).\(String(format: "%02d", cents % 100)),\(1 + next() % 9),\(customer)\n"
      if i % 100_000 == 99_999 {
        out.write(text.data(using: .utf8)!)
        text = ""
      }
    }
    out.write(text.data(using: .utf8)!)
    out.closeFile()
    try FileManager.default.moveItem(atPath: tmp, toPath: path)
  }
  let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
  let schema = Schema(columns: [
    Column("state", .text(maxLength: 32)),
    Column("date", .date(.iso)),
    Column("amount", .decimal(scale: 2)),
    Column("quantity", .integer(1...1_000)),
    Column("customer", .text(maxLength: 16), required: false),
  ])
  let pipeline = Pipeline("generic").readCSV([path]).validate(schema).aggregate(
    Aggregation(
      keys: ["state", .month("date")],
      measures: [.count(), .sum("amount"), .sum("quantity"), .distinct("customer", as: "customers")]))
  var times: [Double] = []
  var lines = 0
  var groups = 0
  for round in 0...o.runs {
    let context = RunContext(options: ScanOptions(threads: o.threads), log: { _ in })
    var result: AggregateResult?
    let s = try seconds { result = try pipeline.run(in: context) }
    lines = context.report.inputs.reduce(0) { $0 + $1.lines }
    groups = (try result?.rows().rows.count) ?? 0
    if round > 0 { times.append(s) }  // round 0 warms up
  }
  let t = median(times)
  print(
    "lunapipe-bench generic: \(path), \(lines) lines, \(Int(bytes / 1e6)) MB, \(groups) groups, \(o.threads) thread(s), median of \(o.runs)"
  )
  print(String(format: "  %6.3f s  %10.0f lines/s  %7.1f MB/s", t, Double(lines) / t, bytes / 1e6 / t))
}

let args = CommandLine.arguments.dropFirst()
switch args.first {
case "stages": try stages(parse(args.dropFirst()))
case "generic": try generic(parse(args.dropFirst()))
default:
  FileHandle.standardError.write(
    "usage: lunapipe-bench stages [--threads N] [--runs R] CLAIMS...\n       lunapipe-bench generic [--threads N] [--runs R] [--rows N] [FILE]\n"
      .data(using: .utf8)!)
  exit(64)
}
