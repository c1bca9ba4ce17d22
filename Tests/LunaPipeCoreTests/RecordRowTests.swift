import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// Typed rows that make themselves from a record (`RecordRow`): the same
/// rows as the `Decodable` path, their mistakes found before the scan, the
/// probe's placeholders, and `double(_:)`.
@Suite struct RecordRowTests {
  static let schema = Schema(columns: [
    Column("state", .text(maxLength: 48)), Column("date", .date(.iso)), Column("amount", .decimal(scale: 2)),
    Column("customer", .text(maxLength: 8), required: false),
  ])

  struct Sale: Decodable, Sendable, Equatable {
    let state: String
    let date: CalendarDate
    let amount: Decimal
    let customer: String?
  }

  struct SaleRow: RecordRow, Sendable, Equatable {
    let state: String
    let date: CalendarDate
    let amount: Decimal
    let customer: String?
    let asDouble: Double
    init(record r: Record) throws {
      // Unwrapped with `!`: the probe reads placeholders, never nil.
      state = r.text("state")!
      date = r.date("date")!
      amount = r.decimal("amount")!
      customer = r.text("customer")
      asDouble = r.double("amount")!
    }
  }

  static func file() -> String {
    var g = SeededGenerator(seed: 5)
    var text = "state,date,amount,customer\n"
    for i in 0..<5_000 {
      let cents = Int.random(in: 0...9_999_999, using: &g)
      let state = ["Rhode Island and Providence Plantations", "Ohio", "Iowa"][i % 3]
      text += "\(state),2024-\(String(format: "%02d", i % 12 + 1))-0\(i % 9 + 1),\(cents / 100).\(String(format: "%02d", cents % 100)),\(i % 4 == 0 ? "" : "c\(i % 97)")\n"
    }
    return writeFile(makeTempDir("record-row"), "sales.csv", text)
  }

  @Test(arguments: [1, 3]) func recordRowsEqualDecodedRows(threads: Int) throws {
    let path = Self.file()
    let p = Pipeline("sales").readCSV([path]).validate(Self.schema)
    let options = ScanOptions(threads: threads, chunkSize: 4 << 10)
    let rows = try p.records(as: SaleRow.self, in: RunContext(options: options))
    var made: [SaleRow] = []
    while let r = try rows.next() { made.append(r) }
    let decoded = try p.records(as: Sale.self, in: RunContext(options: options))
    var expected: [Sale] = []
    while let r = try decoded.next() { expected.append(r) }
    #expect(made.count == 5_000 && expected.count == 5_000)
    #expect(made.map { Sale(state: $0.state, date: $0.date, amount: $0.amount, customer: $0.customer) } == expected)
    // The long state name (over 16 bytes) reads back whole.
    #expect(made[0].state == "Rhode Island and Providence Plantations")
    #expect(made.allSatisfy { Double("\($0.amount)")! == $0.asDouble })
  }

  struct Misspelt: RecordRow, Sendable {
    let state: String
    init(record r: Record) throws { state = r.text("staet") ?? "" }
  }

  struct WrongKind: RecordRow, Sendable {
    let n: Int
    init(record r: Record) throws { n = r.int("amount") ?? 0 }
  }

  @Test func aMistakeFailsBeforeTheScan() throws {
    // The file is no CSV: a mistake found before the scan never reads it.
    let path = writeFile(makeTempDir("record-row"), "x.csv", [0xFF, 0x00, 0x01])
    let p = Pipeline("sales").readCSV([path]).validate(Self.schema)
    for (make, column) in [({ _ = try p.records(as: Misspelt.self, in: RunContext()) }, "\"staet\""),
                           ({ _ = try p.records(as: WrongKind.self, in: RunContext()) }, "\"amount\" as an integer")]
    {
      do {
        try make()
        Issue.record("no error")
      } catch let e as StageError {
        guard case .configuration(let m) = e.underlying as? PipelineError else {
          Issue.record("\(e)")
          continue
        }
        #expect(m.contains(column), "\(m)")
      }
    }
  }
}
