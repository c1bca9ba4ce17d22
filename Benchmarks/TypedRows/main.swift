// Typed rows against the scan's own aggregate (`make bench-rows`): the sum
// of a sales file's amounts, per state, computed twice on one thread: by the
// scan (`aggregate`, integer sums on the worker) and by user code over
// `records(as: Sale.self)` (a Decodable struct per row, Decimal sums on the
// reading thread). Prints rows/s of each and their ratio.
//
//     bench-typed-rows [FILE] [ROWS] [RUNS]
//
// FILE (default .build/bench-rows/sales.csv) is written with ROWS rows
// (default 3,000,000) when absent.
import Foundation
import LunaPipeCore

struct Sale: Decodable, Sendable {
  let state: String
  let date: CalendarDate
  let amount: Decimal
  let customer: String?
}

/// The same with the amount as a Double: the user's sum costs less than
/// Foundation's Decimal addition (which allocates), showing the rows' own cost.
struct SaleDouble: Decodable, Sendable {
  let state: String
  let date: CalendarDate
  let amount: Double
  let customer: String?
}

/// The same rows made by `init(record:)` (`RecordRow`): no `Decoder`.
struct SaleRow: RecordRow, Sendable {
  let state: String
  let date: CalendarDate
  let amount: Decimal
  let customer: String?
  init(record r: Record) throws {
    state = r.text("state") ?? ""
    date = r.date("date") ?? CalendarDate(year: 0, month: 1, day: 1)
    amount = r.decimal("amount") ?? 0
    customer = r.text("customer")
  }
}

/// `SaleRow` with the amount as a `Double`.
struct SaleRowDouble: RecordRow, Sendable {
  let state: String
  let date: CalendarDate
  let amount: Double
  let customer: String?
  init(record r: Record) throws {
    state = r.text("state") ?? ""
    date = r.date("date") ?? CalendarDate(year: 0, month: 1, day: 1)
    amount = r.double("amount") ?? 0
    customer = r.text("customer")
  }
}

let args = CommandLine.arguments
let path = args.count > 1 ? args[1] : ".build/bench-rows/sales.csv"
let rows = args.count > 2 ? Int(args[2])! : 3_000_000
let runs = args.count > 3 ? Int(args[3])! : 3
let states = ["CA", "NY", "TX", "IL", "WA", "MN", "FL", "OR"]

if !FileManager.default.fileExists(atPath: path) {
  try FileManager.default.createDirectory(
    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
  _ = FileManager.default.createFile(atPath: path, contents: nil)
  let out = FileHandle(forWritingAtPath: path)!
  var rng = UInt64(42)
  func next() -> UInt64 {
    rng &+= 0x9E37_79B9_7F4A_7C15
    var z = rng
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  var text = "state,date,amount,customer\n"
  for i in 0..<rows {
    let cents = Int(next() % 1_000_000)
    let customer = next() % 4 == 0 ? "" : "C\(next() % 100_000)"
    text += "\(states[Int(next() % 8)]),20\(15 + next() % 10)-\(String(format: "%02d-%02d", 1 + next() % 12, 1 + next() % 28)),\(cents / 100).\(String(format: "%02d", cents % 100)),\(customer)\n"
    if i % 100_000 == 99_999 {
      out.write(text.data(using: .utf8)!)
      text = ""
    }
  }
  out.write(text.data(using: .utf8)!)
  out.closeFile()
}

let schema = Schema(columns: [
  Column("state", .text(maxLength: 2)),
  Column("date", .date(.iso)),
  Column("amount", .decimal(scale: 2)),
  Column("customer", .text(maxLength: 16), required: false),
])
let pipeline = Pipeline("sales").readCSV([path]).validate(schema)
func context() -> RunContext { RunContext(options: ScanOptions(threads: 1)) }

func time(_ body: () throws -> Void) rethrows -> Double {
  let t0 = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

/// CPU seconds of the calling thread, and of the process.
func threadCPU() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
func processCPU() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
var cpuNotes: [String] = []
var aggregateSeconds: [Double] = []
var recordsSeconds: [Double] = []
var doubleSeconds: [Double] = []
var rowSeconds: [Double] = []
var rowDoubleSeconds: [Double] = []
var count = 0
var checked = ""
// BENCH_ONLY=records times the typed rows alone (to profile them).
let only = ProcessInfo.processInfo.environment["BENCH_ONLY"]
for _ in 0..<runs {
  var byScan: [String: String] = [:]
  if only != "records" {
  let cpu2 = processCPU()
  aggregateSeconds.append(
    try time {
      let c = context()
      let result = try pipeline.aggregate(Aggregation(keys: ["state"], measures: [.sum("amount")])).run(in: c)
      let table = try result.rows()
      for r in table.rows { byScan["\(r.keys[0])"] = table.value("amount", in: r)!.description }
      count = c.report.totals.accepted
    })
  cpuNotes.append(String(format: "aggregate: all threads %.2f s CPU", processCPU() - cpu2))
  }
  var sums: [String: Decimal] = [:]
  let cpu0 = (threadCPU(), processCPU())
  recordsSeconds.append(
    try time {
      let sales = try pipeline.records(as: Sale.self, in: context())
      while let sale = try sales.next() { sums[sale.state, default: 0] += sale.amount }
    })
  cpuNotes.append(
    String(format: "reading thread %.2f s CPU, all threads %.2f s", threadCPU() - cpu0.0, processCPU() - cpu0.1))
  if only == "records" { continue }
  var doubles: [String: Double] = [:]
  let cpu1 = (threadCPU(), processCPU())
  doubleSeconds.append(
    try time {
      let sales = try pipeline.records(as: SaleDouble.self, in: context())
      while let sale = try sales.next() { doubles[sale.state, default: 0] += sale.amount }
    })
  cpuNotes.append(
    String(
      format: "(Double: reading thread %.2f s CPU, all threads %.2f s)", threadCPU() - cpu1.0, processCPU() - cpu1.1))
  var rowSums: [String: Decimal] = [:]
  rowSeconds.append(
    try time {
      let sales = try pipeline.records(as: SaleRow.self, in: context())
      while let sale = try sales.next() { rowSums[sale.state, default: 0] += sale.amount }
    })
  var rowDoubles: [String: Double] = [:]
  rowDoubleSeconds.append(
    try time {
      let sales = try pipeline.records(as: SaleRowDouble.self, in: context())
      while let sale = try sales.next() { rowDoubles[sale.state, default: 0] += sale.amount }
    })
  if rowSums != sums { checked = "DIFFERENT (RecordRow)" }
  let byRows = sums.mapValues { "\(GroupValue.decimal(Int64(truncating: ($0 * 100) as NSDecimalNumber), scale: 2))" }
  if checked.isEmpty || checked == "equal" { checked = byRows == byScan ? "equal" : "DIFFERENT: \(byRows) vs \(byScan)" }
}
func median(_ x: [Double]) -> Double { x.isEmpty ? 1 : x.sorted()[x.count / 2] }
let a = median(aggregateSeconds)
let r = median(recordsSeconds)
func rate(_ s: Double, _ count: Int) -> String {
  let f = NumberFormatter()
  f.numberStyle = .decimal
  f.maximumFractionDigits = 0
  return f.string(from: NSNumber(value: Double(count) / s))!
}
print("\(count) rows, 1 thread, median of \(runs) runs; sums per state \(checked)")
print(String(format: "aggregate (scan):        %.2f s  %@ rows/s", a, rate(a, count)))
print(String(format: "records(as: Sale) + sum: %.2f s  %@ rows/s", r, rate(r, count)))
let dd = median(doubleSeconds)
print(String(format: "records(as: SaleDouble) + Double sum: %.2f s  %@ rows/s", dd, rate(dd, count)))
print(String(format: "typed rows / scan: %.0f %% (Decimal sums), %.0f %% (Double sums)", a / r * 100, a / dd * 100))
let rr = median(rowSeconds)
let rd = median(rowDoubleSeconds)
print(String(format: "records(as: SaleRow) + sum (RecordRow): %.2f s  %@ rows/s", rr, rate(rr, count)))
print(String(format: "records(as: SaleRowDouble) + Double sum (RecordRow): %.2f s  %@ rows/s", rd, rate(rd, count)))
print(String(format: "RecordRow rows / scan: %.0f %% (Decimal sums), %.0f %% (Double sums)", a / rr * 100, a / rd * 100))
print("CPU per run: " + cpuNotes.joined(separator: "; "))
