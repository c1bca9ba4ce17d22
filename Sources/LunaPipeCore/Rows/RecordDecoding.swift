import Foundation

extension Record {
  /// The record as a value of the user's `Decodable` type `T`, each stored
  /// property read from the column its coding key names:
  ///
  ///     struct Sale: Decodable {
  ///       let state: String
  ///       let date: CalendarDate
  ///       let amount: Decimal
  ///       let customer: String?
  ///     }
  ///     let sale = try record.decode(Sale.self)
  ///
  /// A property may be `String` (any column, as `text(_:)` writes it),
  /// `Int`, `Int64`, `Int32` or another integer (integer, code, digits and
  /// flag columns), `Double` or `Float` (integer and decimal columns),
  /// `Decimal` (exact), `CalendarDate` or Foundation's `Date` (date columns;
  /// a `Date` is the day's midnight UTC), `Bool` (flag columns), or a type
  /// that decodes itself from a single value (an enum with a `String` or
  /// `Int` raw value, say). An optional property reads an empty field as
  /// nil; an empty field in a non-optional one throws
  /// `DecodingError.valueNotFound` naming the column.
  ///
  /// A name the records lack is a mistake, as for `text(_:)`: it throws
  /// `DecodingError.keyNotFound` and fails the scan it happens in. The
  /// forms that hand out typed rows (`Pipeline.records(as:in:)`) decode once
  /// before the scan, so such a mistake is a configuration error then.
  public func decode<T: Decodable>(_ type: T.Type) throws -> T {
    try columns._withUnsafeGuaranteedRef { try $0.rows.decode(type, from: self) }
  }
}

/// Decodes records as a user's `Decodable` types: one per `RecordColumns`
/// (so per worker), reused record after record. Each coding key's column
/// is found once: the n-th key a type's `init(from:)` asks for is, record
/// after record, the same, so it is checked against the n-th one of the
/// record before (an `==` of the same string literal is a compare of its
/// bits) before the schema is asked.
final class RowDecoder: Decoder {
  /// How a property reads its column, checked once per coding key.
  enum Access: Equatable {
    case text, int, number, date, flag, any
  }

  private struct Slot {
    var name: String
    var access: Access
    var column: Int
  }

  /// What changes record by record and field by field, behind a pointer:
  /// a class's stored `var`s cost an exclusivity check on every access,
  /// and its arrays a retain and a release.
  private struct Hot {
    /// The record being decoded.
    var values: UnsafeMutablePointer<Int64>
    var keys: UnsafeMutablePointer<EntityKey>
    /// The coding keys asked for so far in the record.
    var position = 0
    /// Slots in use.
    var slotCount = 0
    /// The type being decoded, for messages.
    var type: Any.Type = Any.self
    /// The record being decoded, whole (for a `RecordRow`).
    var record: Record?
  }

  unowned(unsafe) let columns: RecordColumns
  private let hot: UnsafeMutablePointer<Hot>
  /// The coding keys asked for in the record before, in order.
  private let slots: UnsafeMutablePointer<Slot>
  private static let slotCapacity = 64
  /// `columns.classes` and `columns.scale`, not behind a class.
  private let classes: UnsafeMutablePointer<RecordColumns.Class>
  private let scales: UnsafeMutablePointer<Int>
  private let columnCount: Int
  private var typeName: String { String(describing: hot.pointee.type) }
  /// Decoding the probe record (`RecordProbe`): an empty field gives a
  /// placeholder rather than an error, so that every property is read.
  var probing = false
  /// Per column, whether the schema lets it be empty in a file (nil: not
  /// checked). Set when probing: a non-optional property on such a column
  /// is a configuration error.
  var optionalInFiles: [Bool]?
  /// The first mistake found while probing (a property's type that does
  /// not fit its column's kind, a non-optional property on an optional
  /// column); unknown names are `columns.mistake`.
  private(set) var mistake: String?

  var codingPath: [any CodingKey] { [] }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  init(_ columns: RecordColumns) {
    self.columns = columns
    hot = .allocate(capacity: 1)
    // Placeholders until the first record.
    hot.initialize(to: Hot(values: UnsafeMutablePointer(bitPattern: 8)!, keys: UnsafeMutablePointer(bitPattern: 16)!))
    slots = .allocate(capacity: Self.slotCapacity)
    columnCount = columns.classes.count
    classes = .allocate(capacity: max(1, columns.classes.count))
    classes.initialize(from: columns.classes, count: columns.classes.count)
    scales = .allocate(capacity: max(1, columns.scale.count))
    scales.initialize(from: columns.scale, count: columns.scale.count)
  }

  deinit {
    slots.deinitialize(count: hot.pointee.slotCount)
    slots.deallocate()
    hot.deinitialize(count: 1)
    hot.deallocate()
    // Not `columns`: its deinit (which releases this decoder) may be running.
    classes.deinitialize(count: columnCount)
    classes.deallocate()
    scales.deallocate()
  }

  func decode<T: Decodable>(_ type: T.Type, from record: Record) throws -> T {
    let saved = (hot.pointee.values, hot.pointee.keys, hot.pointee.position, hot.pointee.type, hot.pointee.record)
    defer {
      (hot.pointee.values, hot.pointee.keys, hot.pointee.position, hot.pointee.type, hot.pointee.record) = saved
    }
    hot.pointee.record = record
    hot.pointee.values = record.values
    hot.pointee.keys = record.keys
    hot.pointee.position = 0
    hot.pointee.type = T.self
    return try T(from: self)
  }

  func clearMistake() { mistake = nil }

  /// The record being decoded (for a `RecordRow`'s `init(from:)`).
  var record: Record? { hot.pointee.record }

  /// The container last made, and its key type: made again for every
  /// record, it cost two generic type lookups and an allocation each.
  private var containerKey: Any.Type?
  private var containerBox: AnyObject?

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    hot.pointee.position = 0
    if let k = containerKey, k == Key.self, let box = containerBox {
      // A `KeyedDecodingContainer` is its box, one reference.
      return unsafeBitCast(box, to: KeyedDecodingContainer<Key>.self)
    }
    let c = KeyedDecodingContainer(RowContainer<Key>(self))
    containerKey = Key.self
    containerBox = unsafeBitCast(c, to: AnyObject.self)
    return c
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    throw DecodingError.typeMismatch(
      [Any].self, .init(codingPath: [], debugDescription: "a record decodes as a struct of named columns, not as a list"))
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    throw DecodingError.typeMismatch(
      Any.self,
      .init(codingPath: [], debugDescription: "a record decodes as a struct of named columns, not as a single value"))
  }

  // MARK: Columns

  /// The column `key` names, read as `access`; throws (and notes the
  /// mistake) when there is none or it holds another kind.
  @inline(__always) func column(_ key: some CodingKey, _ access: Access, _ type: Any.Type) throws -> Int {
    let p = hot.pointee.position
    hot.pointee.position = p &+ 1
    if p < hot.pointee.slotCount {
      let s = slots + p
      if s.pointee.access == access && s.pointee.column >= 0 && s.pointee.name == key.stringValue {
        return s.pointee.column
      }
    }
    return try resolve(key, access, type, at: p)
  }

  private func resolve(_ key: some CodingKey, _ access: Access, _ type: Any.Type, at p: Int) throws -> Int {
    let name = key.stringValue
    let column = columns.index(name, as: .any)
    if column < 0 {
      throw DecodingError.keyNotFound(
        key,
        .init(
          codingPath: [],
          debugDescription:
            "the records have no column \"\(name)\" (columns: \(columns.names.joined(separator: ", ")))"))
    }
    if !Self.fits(access, columns.classes[column]) {
      let message =
        "\(typeName).\(name) is \(type), but the column \"\(columns.names[column])\" holds \(RecordColumns.noun(columns.classes[column]))"
      if mistake == nil { mistake = message }
      throw DecodingError.typeMismatch(type, .init(codingPath: [key], debugDescription: message))
    }
    let slot = Slot(name: name, access: access, column: column)
    if p < hot.pointee.slotCount {
      slots[p] = slot
    } else if p == hot.pointee.slotCount && p < Self.slotCapacity {
      (slots + p).initialize(to: slot)
      hot.pointee.slotCount += 1
    }
    return column
  }

  static func fits(_ access: Access, _ c: RecordColumns.Class) -> Bool {
    switch (access, c) {
    case (.text, _), (.any, _): return true
    case (.int, .number), (.int, .digits), (.int, .flag): return true
    case (.number, .number), (.number, .decimal), (.number, .digits): return true
    case (.date, .date): return true
    case (.flag, .flag): return true
    default: return false
    }
  }

  /// Column `i`'s value, or nil when empty.
  @inline(__always) func value(_ i: Int) -> Int64? {
    let v = hot.pointee.values[i]
    return v == Record.null ? nil : v
  }

  /// Column `i`'s value for a non-optional property: an empty field throws
  /// (or, probing, is a placeholder).
  @inline(__always) func required(_ i: Int, _ key: some CodingKey, _ type: Any.Type) throws -> Int64 {
    let v = hot.pointee.values[i]
    if v != Record.null { return v }
    return try empty(i, key, type)
  }

  private func empty(_ i: Int, _ key: some CodingKey, _ type: Any.Type) throws -> Int64 {
    if probing {
      if let optional = optionalInFiles, optional[i], mistake == nil {
        mistake =
          "\(typeName).\(key.stringValue) is \(type), not optional, but the column \"\(columns.names[i])\" may be empty: make it \(type)? (empty fields are then nil), or the column required"
      }
      if case .date = classes[i] { return 19_700_101 }
      return 0
    }
    throw DecodingError.valueNotFound(
      type,
      .init(
        codingPath: [key],
        debugDescription:
          "the column \"\(columns.names[i])\" is empty in a record, and \(key.stringValue) is not optional: make it \(type)? to read empty fields as nil"
      ))
  }

  // MARK: Values

  /// Column `i`'s value as text; a text of up to 15 bytes (most) made
  /// from the key's bytes in place, without an array between.
  @inline(__always) func string(_ i: Int, _ v: Int64) -> String {
    guard case .text = classes[i] else { return columns.text(i, v, hot.pointee.keys[i]) }
    var k = hot.pointee.keys[i]
    if k.hi >> 56 == 0x10 { return columns.text(i, v, k) }
    return withUnsafeBytes(of: &k) { raw in
      let n = raw[15] < 0x20 ? Int(raw[15]) : 16
      return String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<n]), as: UTF8.self)
    }
  }

  func integer<T: FixedWidthInteger>(_ v: Int64, _ key: some CodingKey) throws -> T {
    guard let x = T(exactly: v) else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: [key], debugDescription: "\(v) in the column \"\(key.stringValue)\" does not fit \(T.self)"))
    }
    return x
  }

  static let powersOfTen: [Double] = (0...18).map { pow(10, Double($0)) }

  /// A whole number or decimal as the nearest `Double`.
  @inline(__always) func double(_ i: Int, _ v: Int64) -> Double {
    let s = scales[i]
    return s == 0 ? Double(v) : Double(v) / Self.powersOfTen[s]
  }

  @inline(__always) func decimal(_ i: Int, _ v: Int64) -> Decimal { Self.decimal(v, scale: scales[i]) }

  /// `v` units of 10^-scale, exactly. `Decimal(UInt64)` divides by 10
  /// word by word, which made a decimal cost more to decode than its
  /// record to read: the value's bits are written directly where
  /// Foundation's layout is the one checked once (`decimalBitsWork`), as
  /// `RecordColumns.decimal` otherwise.
  static func decimal(_ v: Int64, scale: Int) -> Decimal {
    decimalBitsWork ? decimalBits(v, scale: scale) : RecordColumns.decimal(v, scale: scale)
  }

  /// Foundation's `Decimal` as it lays out its value (20 bytes): the
  /// exponent, then the length in 16-bit words (high 4 bits), negative
  /// (bit 3) and compact (bit 2), then the mantissa's words, low first.
  private struct DecimalLayout {
    var exponent: Int8
    var flags: UInt8
    var reserved: UInt16 = 0
    var mantissa: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16)
  }

  static func decimalBits(_ v: Int64, scale: Int) -> Decimal {
    var m = v.magnitude
    if m == 0 { return Decimal() }
    var exponent = -scale
    // Compact, as Decimal keeps its values: no trailing zero digit.
    while m % 10 == 0 {
      m /= 10
      exponent += 1
    }
    let w0 = UInt16(truncatingIfNeeded: m)
    let w1 = UInt16(truncatingIfNeeded: m >> 16)
    let w2 = UInt16(truncatingIfNeeded: m >> 32)
    let w3 = UInt16(truncatingIfNeeded: m >> 48)
    let length: UInt8 = w3 != 0 ? 4 : w2 != 0 ? 3 : w1 != 0 ? 2 : 1
    let bits = DecimalLayout(
      exponent: Int8(exponent), flags: length << 4 | (v < 0 ? 0x08 : 0) | 0x04, mantissa: (w0, w1, w2, w3, 0, 0, 0, 0))
    return unsafeBitCast(bits, to: Decimal.self)
  }

  /// Whether `decimalBits` gives what Foundation does, bit for bit, for
  /// values of every length, sign and scale.
  static let decimalBitsWork: Bool = {
    guard MemoryLayout<Decimal>.size == MemoryLayout<DecimalLayout>.size else { return false }
    let values: [Int64] = [1, -1, 7, 10, -500, 12_345, -65_536, 1 << 40 + 7, 999_999_999_999, Int64.max, Int64.min + 1]
    for v in values {
      for scale in [0, 2, 5, 18] {
        var fast = decimalBits(v, scale: scale)
        var slow = RecordColumns.decimal(v, scale: scale)
        guard fast == slow, fast.description == slow.description,
          withUnsafeBytes(of: &fast, { Array($0) }) == withUnsafeBytes(of: &slow, { Array($0) })
        else { return false }
      }
    }
    return true
  }()

  /// Midnight UTC of the date stored as yyyymmdd.
  static func date(_ v: Int64) -> Date {
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y0 = v / 10_000
    let m = v / 100 % 100
    let d = v % 100
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return Date(timeIntervalSince1970: Double(days) * 86_400)
  }

  /// A value of a type the container does not know: `Decimal`,
  /// `CalendarDate`, `Date`, or one that decodes itself from the column as
  /// a single value.
  func other<T: Decodable>(_ type: T.Type, _ key: some CodingKey) throws -> T {
    // No `T?` here: in code not specialized for `T`, each would be a
    // generic type lookup.
    if T.self == Decimal.self {
      let i = try column(key, .number, T.self)
      return unsafeBitCast(decimal(i, try required(i, key, T.self)), to: T.self)
    }
    if T.self == CalendarDate.self {
      let i = try column(key, .date, T.self)
      return unsafeBitCast(CalendarDate(yyyymmdd: try required(i, key, T.self)), to: T.self)
    }
    if T.self == Date.self {
      let i = try column(key, .date, T.self)
      return unsafeBitCast(Self.date(try required(i, key, T.self)), to: T.self)
    }
    let i = try column(key, .any, T.self)
    _ = try required(i, key, T.self)
    return try nested(type, i, key)
  }

  /// `other(_:_:)` for an optional property: nil for an empty field.
  func otherIfPresent<T: Decodable>(_ type: T.Type, _ key: some CodingKey) throws -> T? {
    let access: Access =
      T.self == Decimal.self ? .number : T.self == CalendarDate.self || T.self == Date.self ? .date : .any
    let i = try column(key, access, T.self)
    if hot.pointee.values[i] == Record.null { return nil }
    hot.pointee.position -= 1
    return try other(type, key)
  }

  private func nested<T: Decodable>(_ type: T.Type, _ i: Int, _ key: some CodingKey) throws -> T {
    do {
      return try T(from: ColumnDecoder(row: self, column: i, key: key))
    } catch let e as DecodingError where probing {
      // A placeholder may not be a value the type takes (an enum's raw
      // value): nothing to check beyond the column.
      _ = e
      throw ProbePlaceholder()
    }
  }

  /// A probe's placeholder value that a property's own type refused.
  struct ProbePlaceholder: Error {}
}

/// The keyed container over a record: each key is a column name.
private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
  // The decoder keeps its container (`RowDecoder.container(keyedBy:)`);
  // unretained, and used without a retain and a release per property.
  let decoder: Unmanaged<RowDecoder>
  init(_ d: RowDecoder) { decoder = .passUnretained(d) }
  @inline(__always) private func with<R>(_ body: (RowDecoder) throws -> R) rethrows -> R {
    try decoder._withUnsafeGuaranteedRef(body)
  }

  var codingPath: [any CodingKey] { [] }
  var allKeys: [Key] { with { d in d.columns.names.compactMap { Key(stringValue: $0) } } }

  func contains(_ key: Key) -> Bool { with { d in d.columns.has(key.stringValue) } }

  func decodeNil(forKey key: Key) throws -> Bool {
    try with { d in
      d.value(try d.column(key, .any, Any.self)) == nil
    }
  }

  func decode(_ type: String.Type, forKey key: Key) throws -> String {
    try with { d in
      let i = try d.column(key, .text, type)
      return d.string(i, try d.required(i, key, type))
    }
  }
  func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
    try with { d in
      let i = try d.column(key, .text, type)
      return d.value(i).map { d.string(i, $0) }
    }
  }

  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
    try with { d in
      try d.required(try d.column(key, .flag, type), key, type) != 0
    }
  }
  func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
    try with { d in
      d.value(try d.column(key, .flag, type)).map { $0 != 0 }
    }
  }

  func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
    try with { d in
      let i = try d.column(key, .number, type)
      return d.double(i, try d.required(i, key, type))
    }
  }
  func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
    try with { d in
      let i = try d.column(key, .number, type)
      return d.value(i).map { d.double(i, $0) }
    }
  }

  func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decode(Double.self, forKey: key)) }
  func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
    try decodeIfPresent(Double.self, forKey: key).map { Float($0) }
  }

  func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
    try with { d in
      Int(try d.required(try d.column(key, .int, type), key, type))
    }
  }
  func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
    try with { d in
      d.value(try d.column(key, .int, type)).map { Int($0) }
    }
  }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
    try with { d in
      try d.required(try d.column(key, .int, type), key, type)
    }
  }
  func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
    try with { d in
      d.value(try d.column(key, .int, type))
    }
  }

  private func int<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
    try with { d in try d.integer(try d.required(try d.column(key, .int, type), key, type), key) }
  }
  private func intIfPresent<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T? {
    try with { d in
      guard let v = d.value(try d.column(key, .int, type)) else { return nil }
      return try d.integer(v, key)
    }
  }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try int(type, key) }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try int(type, key) }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try int(type, key) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try int(type, key) }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try int(type, key) }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try int(type, key) }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try int(type, key) }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try int(type, key) }
  func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try intIfPresent(type, key) }
  func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try intIfPresent(type, key) }
  func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try intIfPresent(type, key) }
  func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try intIfPresent(type, key) }
  func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try intIfPresent(type, key) }
  func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try intIfPresent(type, key) }
  func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try intIfPresent(type, key) }
  func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try intIfPresent(type, key) }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try with { d in try d.other(type, key) } }
  func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
    try with { d in
      try d.otherIfPresent(type, key)
    }
  }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    throw DecodingError.typeMismatch(
      type, .init(codingPath: [key], debugDescription: "a column holds a single value, not named ones"))
  }
  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    throw DecodingError.typeMismatch(
      [Any].self, .init(codingPath: [key], debugDescription: "a column holds a single value, not a list"))
  }
  func superDecoder() throws -> any Decoder { decoder.takeUnretainedValue() }
  func superDecoder(forKey key: Key) throws -> any Decoder {
    try with { d in
      ColumnDecoder(row: d, column: try d.column(key, .any, Any.self), key: key)
    }
  }
}

/// One column of a record as a single value, for a property whose type
/// decodes itself (an enum with a raw value).
private struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
  let row: RowDecoder
  let column: Int
  let key: any CodingKey

  init(row: RowDecoder, column: Int, key: some CodingKey) {
    self.row = row
    self.column = column
    self.key = key
  }

  var codingPath: [any CodingKey] { [key] }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
    throw DecodingError.typeMismatch(
      type, .init(codingPath: [key], debugDescription: "a column holds a single value, not named ones"))
  }
  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    throw DecodingError.typeMismatch(
      [Any].self, .init(codingPath: [key], debugDescription: "a column holds a single value, not a list"))
  }
  func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

  private var name: String { row.columns.names[column] }

  private func raw(_ access: RowDecoder.Access, _ type: Any.Type) throws -> Int64 {
    let c = row.columns.classes[column]
    guard RowDecoder.fits(access, c) else {
      throw DecodingError.typeMismatch(
        type,
        .init(codingPath: [key], debugDescription: "the column \"\(name)\" holds \(RecordColumns.noun(c)), not \(type)"))
    }
    guard let v = row.value(column) else {
      throw DecodingError.valueNotFound(
        type, .init(codingPath: [key], debugDescription: "the column \"\(name)\" is empty in a record"))
    }
    return v
  }

  func decodeNil() -> Bool { row.value(column) == nil }
  func decode(_ type: Bool.Type) throws -> Bool { try raw(.flag, type) != 0 }
  func decode(_ type: String.Type) throws -> String { row.string(column, try raw(.text, type)) }
  func decode(_ type: Double.Type) throws -> Double { row.double(column, try raw(.number, type)) }
  func decode(_ type: Float.Type) throws -> Float { Float(row.double(column, try raw(.number, type))) }
  func decode(_ type: Int.Type) throws -> Int { Int(try raw(.int, type)) }
  func decode(_ type: Int8.Type) throws -> Int8 { try row.integer(try raw(.int, type), key) }
  func decode(_ type: Int16.Type) throws -> Int16 { try row.integer(try raw(.int, type), key) }
  func decode(_ type: Int32.Type) throws -> Int32 { try row.integer(try raw(.int, type), key) }
  func decode(_ type: Int64.Type) throws -> Int64 { try raw(.int, type) }
  func decode(_ type: UInt.Type) throws -> UInt { try row.integer(try raw(.int, type), key) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try row.integer(try raw(.int, type), key) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try row.integer(try raw(.int, type), key) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try row.integer(try raw(.int, type), key) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try row.integer(try raw(.int, type), key) }
  func decode<T: Decodable>(_ type: T.Type) throws -> T {
    if T.self == Decimal.self { return unsafeBitCast(row.decimal(column, try raw(.number, type)), to: T.self) }
    if T.self == CalendarDate.self { return unsafeBitCast(CalendarDate(yyyymmdd: try raw(.date, type)), to: T.self) }
    if T.self == Date.self { return unsafeBitCast(RowDecoder.date(try raw(.date, type)), to: T.self) }
    return try T(from: self)
  }
}
