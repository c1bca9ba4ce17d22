import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// `Record.decode(_:)`: each property type read from the columns it can
/// come from, empty fields, and values a type cannot hold.
@Suite struct RecordDecodingTests {
  enum Region: String, Decodable, Sendable { case north, south }

  struct Everything: Decodable, Sendable, Equatable {
    let name: String
    let count: Int
    let count64: Int64
    let count32: Int32
    let code: String  // a digits column as text, zeros kept
    let codeNumber: Int  // the same as a number
    let price: Decimal
    let priceDouble: Double
    let priceFloat: Float?
    let day: CalendarDate
    let dayDate: Date
    let member: Bool
    let region: Region
    let note: String?
    let extra: Int?

    /// A column read as several types, by keys made at run time.
    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(_ s: String) { stringValue = s }
      init?(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      name = try c.decode(String.self, forKey: Key("name"))
      count = try c.decode(Int.self, forKey: Key("count"))
      count64 = try c.decode(Int64.self, forKey: Key("count"))
      count32 = try c.decode(Int32.self, forKey: Key("count"))
      code = try c.decode(String.self, forKey: Key("code"))
      codeNumber = try c.decode(Int.self, forKey: Key("code"))
      price = try c.decode(Decimal.self, forKey: Key("price"))
      priceDouble = try c.decode(Double.self, forKey: Key("price"))
      priceFloat = try c.decodeIfPresent(Float.self, forKey: Key("price"))
      day = try c.decode(CalendarDate.self, forKey: Key("day"))
      dayDate = try c.decode(Date.self, forKey: Key("day"))
      member = try c.decode(Bool.self, forKey: Key("member"))
      region = try c.decode(Region.self, forKey: Key("region"))
      note = try c.decodeIfPresent(String.self, forKey: Key("note"))
      extra = try c.decodeIfPresent(Int.self, forKey: Key("extra"))
    }
  }

  static let schema = Schema(columns: [
    Column("name", .text(maxLength: 20)),
    Column("count", .integer(-100_000...100_000)),
    Column("code", .digits(count: 4)),
    Column("price", .decimal(scale: 2)),
    Column("day", .date(.iso)),
    Column("member", .flag(yes: "J", no: "N")),
    Column("region", .text(maxLength: 8)),
    Column("note", .text(maxLength: 40), required: false),
    Column("extra", .integer(0...10), required: false),
  ])

  static func rows<Row: Decodable & Sendable>(_ text: String, as type: Row.Type) throws -> [Row] {
    let dir = makeTempDir("record-decoding")
    let path = writeFile(dir, "things.csv", text)
    let rows = try Pipeline("things").readCSV([path]).validate(schema)
      .records(as: type, in: RunContext(options: ScanOptions(threads: 1)))
    var out: [Row] = []
    try rows.forEach { out.append($0) }
    return out
  }

  @Test func everyKindOfPropertyReadsItsColumn() throws {
    let got = try Self.rows(
      """
      name,count,code,price,day,member,region,note,extra
      Ærø Kommune,-42,0071,-1234.05,2024-02-29,J,north,a note,3
      x,70000,9000,0.10,1970-01-01,N,south,,

      """, as: Everything.self)
    #expect(got.count == 2)
    let a = got[0]
    #expect(a.name == "Ærø Kommune")
    #expect(a.count == -42 && a.count64 == -42 && a.count32 == -42)
    #expect(a.code == "0071" && a.codeNumber == 71)
    #expect(a.price == Decimal(string: "-1234.05")!)
    #expect("\(a.price)" == "-1234.05")
    #expect(a.priceDouble == -1234.05)
    #expect(a.priceFloat == Float(-1234.05))
    #expect(a.day == CalendarDate(year: 2024, month: 2, day: 29))
    // 2024-02-29 is day 19782 after 1970-01-01.
    #expect(a.dayDate == Date(timeIntervalSince1970: 19_782 * 86_400))
    #expect(a.member && a.region == .north && a.note == "a note" && a.extra == 3)
    let b = got[1]
    #expect(b.count32 == 70_000 && b.price == Decimal(string: "0.1")! && b.priceDouble == 0.1)
    #expect(b.dayDate == Date(timeIntervalSince1970: 0))
    #expect(!b.member && b.region == .south && b.note == nil && b.extra == nil)
  }

  /// Decimals made from their bits equal Foundation's own, for every
  /// length of mantissa, sign and scale, and add up as Foundation's do.
  @Test func decimalsEqualFoundationsOwn() {
    #expect(RowDecoder.decimalBitsWork)
    var g = SeededGenerator(seed: 5)
    var sumFast = Decimal(0)
    var sumSlow = Decimal(0)
    for _ in 0..<2_000 {
      let v = Int64.random(in: Int64.min + 1...Int64.max, using: &g) >> Int64.random(in: 0...62, using: &g)
      let scale = Int.random(in: 0...6, using: &g)
      let fast = RowDecoder.decimal(v, scale: scale)
      let slow = RecordColumns.decimal(v, scale: scale)
      #expect(fast == slow && fast.description == slow.description, "\(v) scale \(scale)")
      if v.magnitude < 1 << 40 {
        sumFast += fast
        sumSlow += slow
      }
    }
    #expect(sumFast == sumSlow)
  }

  struct Small: Decodable, Sendable {
    let name: String
    let count: Int8
  }

  @Test func aValueItsTypeCannotHoldFailsTheScan() throws {
    do {
      _ = try Self.rows(
        """
        name,count,code,price,day,member,region,note,extra
        a,5,0001,1,2024-01-01,J,north,,
        b,500,0001,1,2024-01-01,J,north,,

        """, as: Small.self)
      Issue.record("no error")
    } catch let e as StageError {
      guard case .input(let m)? = e.underlying as? PipelineError else {
        Issue.record("\(e)")
        return
      }
      #expect(m.contains("500") && m.contains("Int8"), "\(m)")
    }
  }

  struct BadRegion: Decodable, Sendable {
    let region: Region
  }

  @Test func anEnumRefusingTheTextFailsTheScan() throws {
    #expect(throws: StageError.self) {
      _ = try Self.rows(
        """
        name,count,code,price,day,member,region,note,extra
        a,5,0001,1,2024-01-01,J,west,,

        """, as: BadRegion.self)
    }
  }
}
