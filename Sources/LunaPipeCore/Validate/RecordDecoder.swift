internal import CLunaShims
import Foundation

/// Takes the validated records of a chunk, one at a time. The record is a
/// view valid only during the call.
public protocol RecordConsumer: AnyObject {
  /// Takes one valid record. `record` is a view into the decoder's buffers:
  /// read what is needed during the call, never keep it.
  func consume(_ record: Record)
}

/// The rules a field can break, by name as the rejects output shows them.
public enum FieldRule: Int, CaseIterable, Sendable {
  /// `empty`: a required column's field is empty.
  case empty
  /// `not-a-number`: an integer, code or decimal field that is no number in
  /// the file's number format (a stray letter, `1,234.5` in a Danish file).
  case notANumber
  /// `out-of-range`: an integer outside its column's range, a decimal
  /// beyond its `maxMagnitude`, a date whose year is outside `years`.
  case outOfRange
  /// `unknown-code`: a code column's value is not one of its codes.
  case unknownCode
  /// `zero`: a `nonZero` column's value is 0.
  case zero
  /// `too-many-decimals`: a decimal with more decimals than its scale.
  case tooManyDecimals
  /// `wrong-digits`: a digits column's field is not exactly its count of
  /// ASCII digits.
  case notDigits
  /// `not-a-flag`: a flag column's field is neither of its two letters.
  case notAFlag
  /// `too-long`: a text field longer than its `maxLength` characters.
  case tooLong
  /// `control-character`: a text field holds a byte below 0x20 or DEL
  /// outside quotes (a quoted line break or TAB is text, as RFC 4180 has it).
  case controlCharacter
  /// `field-count`: the record has more or fewer fields than the header.
  case fieldCount
  /// `invalid-encoding`: a text field is not valid in the file's encoding
  /// (broken UTF-8 in a UTF-8 file, a byte Windows-1252 leaves undefined).
  case invalidEncoding
  /// `unterminated-quote`: a quote that does not close within the schema's
  /// `maxRecordBytes`, or never: that line alone is rejected.
  case unterminatedQuote
  /// `record-too-long`: a record longer than the schema's
  /// `maxRecordBytes`; it is skipped to its line end without being held
  /// in memory.
  case recordTooLong
  /// `not-a-date`: a date field that is no valid date in its format.
  case notADate

  /// The rule's name as `rejects.csv` and the run report write it
  /// (`not-a-number`).
  public var name: String {
    switch self {
    case .empty: return "empty"
    case .notANumber: return "not-a-number"
    case .outOfRange: return "out-of-range"
    case .unknownCode: return "unknown-code"
    case .zero: return "zero"
    case .tooManyDecimals: return "too-many-decimals"
    case .notDigits: return "wrong-digits"
    case .notAFlag: return "not-a-flag"
    case .tooLong: return "too-long"
    case .controlCharacter: return "control-character"
    case .fieldCount: return "field-count"
    case .invalidEncoding: return "invalid-encoding"
    case .unterminatedQuote: return "unterminated-quote"
    case .recordTooLong: return "record-too-long"
    case .notADate: return "not-a-date"
    }
  }
}

/// A record that broke a rule, located within its chunk.
struct ChunkReject {
  /// 0-based among the chunk's non-empty records.
  var ordinal: Int
  /// Schema column, or -1 for the record as a whole.
  var column: Int
  /// `FieldRule.rawValue`, `FieldRule.allCases.count + i` for record rule
  /// i, or after those a column's own out-of-range rule
  /// (`CompiledSchema.ruleName`).
  var rule: Int
}

/// A schema made ready for the hot path: flat arrays of plain values, so
/// reading a column's rule costs no reference counting.
// Sendable as immutable: every property is set in `init` and never after;
// the tables its pointers own are only read.
final class CompiledSchema: @unchecked Sendable {
  enum Kind {
    case integer(lo: Int64, hi: Int64)
    case code(lo: Int64, allowed: UnsafeMutablePointer<Bool>, count: Int)
    case decimal(scale: Int)
    case digits(count: Int)
    case flag(yes: UInt8, no: UInt8)
    case text(maxLength: Int)
    case date(DateFormat, lo: Int64, hi: Int64)
  }
  struct Col {
    var kind: Kind
    var required: Bool
    var nonZero: Bool
    var maxMagnitude: Int64
    /// The rule code a value outside the range is rejected with
    /// (`Column.outOfRange`, else `out-of-range`).
    var outOfRange: Int
  }
  /// A column the accepted records are counted by (`Schema.volumeKeys`):
  /// its values `lo...lo + size - 2`, and `size - 1` for empty.
  struct VolumeKey {
    var column: Int
    var lo: Int64
    var size: Int
  }
  /// A record rule with its columns resolved.
  enum Rule {
    case sameSign(amount: Int, count: Int)
    case required(column: Int, other: Int, values: SmallSet)
    case empty(column: Int, other: Int, values: SmallSet)
    case custom((Record) -> Bool)
    // The stages' objects unretained (the compiled schema keeps them,
    // `stageObjects`): reading a rule costs no reference counting.
    case derive(Unmanaged<DerivedOp>)
    /// Drops the records the filter does not admit, counted as drop `drop`.
    case keep(Unmanaged<BoundAggregation.Filter>, drop: Int)
    case lookup(Unmanaged<BoundLookup>)
  }

  /// Codes within 64 of each other as a bit mask: a membership test without
  /// touching a `Set`'s storage.
  struct SmallSet {
    let lo: Int64
    let bits: UInt64
    init?(_ values: Set<Int64>) {
      guard let lo = values.min(), let hi = values.max(), hi - lo < 64 else { return nil }
      self.lo = lo
      bits = values.reduce(0) { $0 | (1 << UInt64($1 - lo)) }
    }
    @inline(__always) func contains(_ v: Int64) -> Bool {
      let d = v &- lo
      return d >= 0 && d < 64 && bits & (1 << UInt64(d)) != 0
    }
    func same(as other: SmallSet) -> Bool { lo == other.lo && bits == other.bits }
  }
  let cols: [Col]
  let rules: [RecordRule]
  let compiledRules: [Rule]
  /// The columns' own out-of-range rules (`Column.outOfRange`), each name
  /// once: code `FieldRule.allCases.count + rules.count + i`.
  let rangeRuleNames: [String]
  let schema: Schema
  let volumeKeys: [VolumeKey]
  /// Whether the last of `volumeKeys` is the schema's `monthKey`, counted
  /// but left out of the volume cells' names.
  let monthKeyed: Bool
  /// The number of volume cells (the product of the keys' sizes), 0 when
  /// the schema counts no volumes.
  let volumeCells: Int
  private var allocations: [UnsafeMutablePointer<Bool>] = []

  deinit { allocations.forEach { $0.deallocate() } }

  init(_ schema: Schema) {
    self.schema = schema
    rules = schema.rules
    var allocations: [UnsafeMutablePointer<Bool>] = []
    var rangeRuleNames: [String] = []
    cols = schema.columns.map { c in
      let kind: Kind
      switch c.kind {
      case .integer(let r): kind = .integer(lo: r.lowerBound, hi: r.upperBound)
      case .code(let values):
        let lo = values.min() ?? 0
        let hi = values.max() ?? 0
        let count = Int(hi - lo) + 1
        let allowed = UnsafeMutablePointer<Bool>.allocate(capacity: count)
        allowed.initialize(repeating: false, count: count)
        for v in values { allowed[Int(v - lo)] = true }
        allocations.append(allowed)
        kind = .code(lo: lo, allowed: allowed, count: count)
      case .decimal(let s): kind = .decimal(scale: s)
      case .digits(let n): kind = .digits(count: n)
      case .flag(let y, let n): kind = .flag(yes: y.asciiValue ?? 0, no: n.asciiValue ?? 0)
      case .text(let m): kind = .text(maxLength: m)
      case .date(let f, let years): kind = .date(f, lo: Int64(years.lowerBound), hi: Int64(years.upperBound))
      }
      var outOfRange = FieldRule.outOfRange.rawValue
      if let name = c.outOfRange, name != FieldRule.outOfRange.name {
        if !rangeRuleNames.contains(name) { rangeRuleNames.append(name) }
        outOfRange = FieldRule.allCases.count + schema.rules.count + rangeRuleNames.firstIndex(of: name)!
      }
      return Col(
        kind: kind, required: c.required, nonZero: c.nonZero, maxMagnitude: c.maxMagnitude ?? .max,
        outOfRange: outOfRange)
    }
    self.rangeRuleNames = rangeRuleNames
    let keyNames = schema.volumeKeys + (schema.volumeKeys.isEmpty ? [] : schema.monthKey.map { [$0] } ?? [])
    monthKeyed = keyNames.count > schema.volumeKeys.count
    volumeKeys = keyNames.compactMap { name in
      guard let i = schema.index(of: name), let r = schema.columns[i].keyRange else { return nil }
      return VolumeKey(column: i, lo: r.lowerBound, size: Int(r.upperBound - r.lowerBound) + 2)
    }
    let cells = volumeKeys.reduce(1) { $0 * $1.size }
    volumeCells = volumeKeys.isEmpty || cells > 1 << 16 ? 0 : cells
    self.allocations = allocations
    var drops = 0
    var dropNames: [String] = []
    var stageObjects: [AnyObject] = []
    compiledRules = schema.rules.map { r in
      // Columns were checked to exist when the schema was bound.
      let i = { (name: String) in schema.index(of: name) ?? 0 }
      switch r.check {
      case .sameSign(let a, let c): return .sameSign(amount: i(a), count: i(c))
      case .required(let c, let o, let v):
        let (ci, oi) = (i(c), i(o))
        if let small = SmallSet(v) { return .required(column: ci, other: oi, values: small) }
        return .custom { r in !r.isNull(ci) || !v.contains(r[oi]) }
      case .empty(let c, let o, let v):
        let (ci, oi) = (i(c), i(o))
        if let small = SmallSet(v) { return .empty(column: ci, other: oi, values: small) }
        return .custom { r in r.isNull(ci) || v.contains(r[oi]) }
      case .custom(let f): return .custom(f)
      case .rejecting(let filter):
        // Bound again (and its errors thrown) by `validateRules`.
        guard let bound = try? BoundAggregation.Filter(filter, for: "rule \(r.name)", schema: schema) else {
          return .custom { _ in false }
        }
        return .custom { r in !bound.admits(r) }
      case .derive(let column, let f):
        let op = DerivedOp(column: i(column), of: schema, f)
        stageObjects.append(op)
        return .derive(Unmanaged.passUnretained(op))
      case .keep(let filter):
        guard let bound = try? BoundAggregation.Filter(filter, for: "filter \(r.name)", schema: schema) else {
          return .custom { _ in false }
        }
        drops += 1
        dropNames.append(r.name)
        stageObjects.append(bound)
        return .keep(Unmanaged.passUnretained(bound), drop: drops - 1)
      case .lookup(let join):
        let bound = BoundLookup(join, schema: schema)
        stageObjects.append(bound)
        return .lookup(Unmanaged.passUnretained(bound))
      }
    }
    self.dropNames = dropNames
    self.stageObjects = stageObjects
  }

  /// The objects the stages' compiled rules refer to unretained.
  private let stageObjects: [AnyObject]

  /// The filters' names (`RecordRule.Check.keep`), in the order of their
  /// drop counts.
  let dropNames: [String]

  /// What the run report and a mistake's message call rule `i`'s stage.
  func stageLabel(_ i: Int) -> String {
    let r = rules[i]
    switch r.check {
    case .derive(let column, _): return "derive \(column)"
    case .keep: return "filter \(r.name)"
    case .lookup(let join): return join.stage.label
    default: return "rule \(r.name)"
    }
  }

  /// Throws if a rule names a column the schema lacks, or the volume keys
  /// cannot be counted.
  func validateRules() throws {
    let keyNames = schema.volumeKeys + (monthKeyed ? [schema.monthKey!] : [])
    if volumeKeys.count != schema.volumeKeys.count + (monthKeyed ? 1 : 0) || (!volumeKeys.isEmpty && volumeCells == 0) {
      throw PipelineError.configuration(
        "volume keys \(keyNames.joined(separator: ", ")): each must be an integer, code, digits (up to 4) or flag column of the schema, with at most 65,536 combinations"
      )
    }
    if schema.maxRecordBytes < 16 {
      throw PipelineError.configuration("maxRecordBytes must be at least 16 (is \(schema.maxRecordBytes))")
    }
    for r in rules {
      var names = r.column.isEmpty ? [] : [r.column]
      switch r.check {
      case .sameSign(let a, let c): names += [a, c]
      case .required(let c, let o, _), .empty(let c, let o, _): names += [c, o]
      case .custom, .derive: break
      case .keep(let filter): _ = try BoundAggregation.Filter(filter, for: "filter \(r.name)", schema: schema)
      case .rejecting(let filter): _ = try BoundAggregation.Filter(filter, for: "rule \(r.name)", schema: schema)
      case .lookup(let join):
        if join.rows == nil {
          throw PipelineError.configuration("\(join.stage.label): the table was not read before the scan (RunContext.scan reads it)")
        }
      }
      for n in names where schema.index(of: n) == nil {
        throw PipelineError.configuration("rule \(r.name) names column \"\(n)\", which the schema lacks")
      }
    }
  }

  /// The volume cell `cell`'s key as the run report names it:
  /// `Aar=2023,Speciale=51` (an empty value as `Aar=`).
  /// The schema's `monthKey` is left out: its cells share a name.
  func volumeName(_ cell: Int) -> String {
    keyParts(cell).dropLast(monthKeyed ? 1 : 0).joined(separator: ",")
  }

  /// The volume cell `cell`'s year and month (`Aar=2023,Maaned=4`): its
  /// first key and the schema's `monthKey`; nil without a `monthKey`.
  func monthName(_ cell: Int) -> String? {
    guard monthKeyed else { return nil }
    let parts = keyParts(cell)
    return parts[0] + "," + parts[parts.count - 1]
  }

  /// Each key of volume cell `cell` as `Aar=2023` (an empty value as `Aar=`).
  private func keyParts(_ cell: Int) -> [String] {
    var parts: [String] = []
    var rest = cell
    for k in volumeKeys.reversed() {
      let v = rest % k.size
      rest /= k.size
      parts.append("\(schema.columns[k.column].name)=" + (v == k.size - 1 ? "" : String(k.lo + Int64(v))))
    }
    return parts.reversed()
  }

  func ruleName(_ code: Int) -> String {
    if code < FieldRule.allCases.count { return FieldRule(rawValue: code)!.name }
    let i = code - FieldRule.allCases.count
    return i < rules.count ? rules[i].name : rangeRuleNames[i - rules.count]
  }

  func columnName(_ col: Int, rule: Int) -> String {
    if col >= 0 { return schema.columns[col].name }
    if rule >= FieldRule.allCases.count && rule - FieldRule.allCases.count < rules.count {
      return rules[rule - FieldRule.allCases.count].column
    }
    return ""
  }
}

/// How one field position of a file is decoded: the column's kind and
/// limits, flattened so the per-field path reads a few words through a
/// pointer and branches once on `kind`.
struct FieldOp {
  enum Kind: UInt8 { case ignore, integer, code, decimal, digits, flag, text, date }
  var kind: Kind = .ignore
  var required = false
  var nonZero = false
  /// The rule code of a value outside the range (`CompiledSchema.Col`);
  /// 32 bits, so that it sits in the padding before `col`.
  var outOfRange = Int32(FieldRule.outOfRange.rawValue)
  var col = 0
  /// integer, code: lower bound; decimal: scale; digits: count; flag: yes
  /// letter; text: maximum length; date: first year.
  var a: Int64 = 0
  /// integer: upper bound; code: table size; flag: no letter; decimal:
  /// largest magnitude; date: last year.
  var b: Int64 = 0
  /// date: the Danish forms (day first) rather than ISO.
  var dayFirst = false
  /// The field's outcomes are kept in its `FieldCache` (a short field of a
  /// number, code, digits, flag or date column, while the cache pays).
  var cached = false
  /// Where its cache starts among the decoder's entries.
  var cacheBase = 0
  /// A field of plain digits of up to 8 bytes (for a decimal: digits, the
  /// decimal mark and `a` decimals) is read from its word directly
  /// (`PlainWord`), not looked up: an integer, code, digits or decimal
  /// position of many values, or one past the cached positions. Its cache
  /// is then off: what is not plain digits goes the general way.
  var plain = false
  /// This position and the next are both cached: two short fields that
  /// fit one word together (with the delimiter between them and the
  /// separator after) are looked up as one key in the pair's own cache
  /// (`pairBase`), both values at once. 32 bits, so that `FieldOp` keeps
  /// its 64 bytes.
  var paired = false
  var pairBase: Int32 = 0
  var allowed: UnsafeMutablePointer<Bool>?
}

/// One entry of a field position's cache: a valid field of 1 to 15 bytes
/// and its value. In a pair's cache (`FieldOp.paired`): two valid fields
/// and the separators after each in `k0`, the first's value in `k1`, the
/// second's in `value`.
struct FieldCacheEntry {
  /// The field's bytes and the separator after it (a delimiter or a line
  /// end, which no field of quote-free text holds) as two words, the bytes
  /// after those zero: `k0` is never 0, so 0 is an empty entry; two fields
  /// of different lengths never share a key.
  var k0: UInt64 = 0
  var k1: UInt64 = 0
  var value: Int64 = 0

  init() {}
  init(k0: UInt64, k1: UInt64, value: Int64) {
    self.k0 = k0
    self.k1 = k1
    self.value = value
  }

  /// The low `bytes` bytes of a word (1...8).
  @inline(__always) static func mask(_ bytes: Int) -> UInt64 {
    UInt64.max &>> UInt64(truncatingIfNeeded: 64 &- bytes &* 8)
  }

  /// The entry of a key in a position's cache.
  @inline(__always) static func slot(_ k0: UInt64, _ k1: UInt64) -> Int {
    Int(truncatingIfNeeded: ((k0 ^ k1 &* 0xC2B2_AE3D_27D4_EB4F) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - DecoderState.cacheBits))
  }
}

/// Decodes the tokenizers' fields into records of a schema, checks every
/// rule, and hands valid records to a consumer. One per worker; reset per
/// chunk.
///
/// The state the per-field path touches is a plain struct behind a pointer
/// that libcsv hands back to the callbacks, and that `PlainSplitter` calls
/// inline: no class, so no reference counting and no closure between the
/// tokenizer and the decoding.
final class RecordDecoder {
  private let state: UnsafeMutablePointer<DecoderState>
  // Kept alive here; the state refers to them unowned.
  private let compiled: CompiledSchema
  private let rules: RuleSet
  private let consumer: ConsumerBox
  /// How the records' columns are read by name (this worker's own).
  let columns: RecordColumns

  init(schema: CompiledSchema, consumer: RecordConsumer) {
    compiled = schema
    rules = RuleSet(schema.compiledRules)
    self.consumer = ConsumerBox(consumer)
    columns = RecordColumns(schema.schema)
    columns.stageLabels = schema.rules.indices.map(schema.stageLabel)
    state = CacheLines.allocate(1)
    state.initialize(to: DecoderState(schema: schema, rules: rules, consumer: self.consumer, columns: columns))
  }

  deinit {
    state.pointee.free()
    state.deinitialize(count: 1)
    state.deallocate()
    marked?.deinitialize(count: 1)
    marked?.deallocate()
  }

  /// The fields between the tokenizers and the decoding when the dialect
  /// states absent-value markers (`NA`): a marker reaches the decoding as
  /// an empty field. Nil otherwise: the default path has no step between.
  private var marked: UnsafeMutablePointer<MarkerFilter>?

  func begin(layout: FileLayout) {
    state.pointee.begin(layout: layout)
    let markers = layout.dialect.absentMarkers.map { Array($0.utf8) }
    if markers.isEmpty {
      marked?.deinitialize(count: 1)
      marked?.deallocate()
      marked = nil
    } else if marked == nil || marked!.pointee.markers != markers {
      marked?.deinitialize(count: 1)
      marked?.deallocate()
      marked = .allocate(capacity: 1)
      marked!.initialize(to: MarkerFilter(state: state, markers: markers))
    }
  }
  /// Decodes `bytes`, which hold no quote character, split by
  /// `PlainSplitter` rather than libcsv: the same records, directly.
  /// Returns whether `bytes` are known to be ASCII only.
  @discardableResult
  func splitPlain(_ bytes: UnsafeRawBufferPointer, delimiter: UInt8, trims: Bool = true) -> Bool {
    if let marked {
      PlainSplitter.split(bytes, delimiter: delimiter, trims: trims, into: &marked.pointee)
      return false
    }
    if !wholeLines {
      PlainSplitter.split(bytes, delimiter: delimiter, trims: trims, into: &state.pointee)
      return false
    }
    return PlainSplitter.splitRecords(bytes, delimiter: delimiter, trims: trims, into: &state.pointee)
  }

  /// Whether `splitPlain` decodes a line at a time (`ScanOptions.wholeLines`).
  var wholeLines = true
  /// The record being read breaks `unterminated-quote`: its quoted field
  /// runs to the end of the input. Call before the tokenizer's `finish`.
  func markUnterminatedQuote() { state.pointee.markUnterminatedQuote() }

  /// Decodes one record given as its fields (read by `EscapedFields`),
  /// each with whether it was quoted: a TAB is text in a quoted field.
  func feed(_ fields: [(bytes: [UInt8], quoted: Bool)]) {
    for f in fields {
      state.pointee.quotedTabs = f.quoted
      f.bytes.withUnsafeBytes { state.pointee.field($0) }
    }
    state.pointee.endRecord(terminator: 10)
  }
  /// Counts the next record as rejected with `rule`, without parsing it (a
  /// stray quote's line, a record too long to read).
  func rejectRecord(_ rule: FieldRule) { state.pointee.rejectRecord(rule) }
  /// While true, records are checked but neither counted nor consumed:
  /// `probeAccepted` tells whether the last one would have been accepted.
  var probing: Bool {
    get { state.pointee.probing }
    set { state.pointee.setProbing(newValue) }
  }
  var probeAccepted: Bool { state.pointee.probeAccepted }
  /// A TAB in a text field is text: the fields being read hold no TAB
  /// outside quotes (`ParallelScan` decides it per run of records). A line
  /// break in a field is always quoted (an unquoted one ends the record).
  var quotedTabs: Bool {
    get { state.pointee.quotedTabs }
    set { state.pointee.quotedTabs = newValue }
  }
  /// The rule the last probed record broke (`ChunkReject.rule`; a wrong
  /// field count before any other), or -1.
  var probeRule: Int { state.pointee.probeRule }
  var records: Int { state.pointee.records }
  var accepted: Int { state.pointee.accepted }
  /// Sampled estimates over the decoder's life (`ScanTiming`).
  var validateTicks: UInt64 { state.pointee.validateTicks }
  var consumeTicks: UInt64 { state.pointee.consumeTicks }
  var emptyLines: Int { state.pointee.emptyLines }
  var rejects: [ChunkReject] { state.pointee.rejects }
  /// Accepted records per volume cell (`CompiledSchema.volumeName`), over
  /// the decoder's whole life; empty when the schema counts no volumes.
  var volumes: UnsafeBufferPointer<Int> { state.pointee.volumeCounts }
  /// Records each filter dropped (`CompiledSchema.dropNames`), over every
  /// chunk this decoder decoded.
  var dropped: [Int] { Array(UnsafeBufferPointer(start: state.pointee.dropCounts, count: compiled.dropNames.count)) }

  /// libcsv's callbacks, straight into the decoding (through the marker
  /// filter when markers are stated).
  var callbacks: CSVCallbacks {
    if let marked {
      return CSVCallbacks(
        field: { data, len, ctx in
          ctx!.assumingMemoryBound(to: MarkerFilter.self).pointee.field(UnsafeRawBufferPointer(start: data, count: len))
        },
        record: { terminator, ctx in
          ctx!.assumingMemoryBound(to: MarkerFilter.self).pointee.endRecord(terminator: terminator)
        },
        context: UnsafeMutableRawPointer(marked))
    }
    return CSVCallbacks(
      field: { data, len, ctx in
        ctx!.assumingMemoryBound(to: DecoderState.self).pointee.field(UnsafeRawBufferPointer(start: data, count: len))
      },
      record: { terminator, ctx in
        ctx!.assumingMemoryBound(to: DecoderState.self).pointee.endRecord(terminator: terminator)
      },
      context: UnsafeMutableRawPointer(state))
  }
}

/// Passes fields on to the decoding, an absent-value marker as an empty
/// field (`CSVDialect.absentMarkers`).
struct MarkerFilter: CSVEvents {
  let state: UnsafeMutablePointer<DecoderState>
  let markers: [[UInt8]]

  mutating func field(_ bytes: UnsafeRawBufferPointer) {
    for m in markers where m.count == bytes.count && m.elementsEqual(bytes) {
      state.pointee.field(UnsafeRawBufferPointer(start: bytes.baseAddress, count: 0))
      return
    }
    state.pointee.field(bytes)
  }

  mutating func endRecord(terminator: Int32) { state.pointee.endRecord(terminator: terminator) }
}

/// A consumer behind a final class, so the state can hold it unmanaged.
final class ConsumerBox {
  let consumer: RecordConsumer
  init(_ c: RecordConsumer) { consumer = c }
}

struct DecoderState: CSVEvents {
  private unowned(unsafe) let compiled: CompiledSchema
  private let values: UnsafeMutablePointer<Int64>
  private let keys: UnsafeMutablePointer<EntityKey>
  private let colCount: Int
  private let record: Record
  // Unmanaged: the decoder owns both for the state's whole life, and a
  // borrowed call costs no retain/release per record.
  private let consumer: Unmanaged<ConsumerBox>
  private let rules: Unmanaged<RuleSet>
  private let optionalColumns: UnsafeMutablePointer<Int>
  private let optionalCount: Int
  private let maxRecordBytes: Int
  private let volumeKeys: UnsafeMutablePointer<CompiledSchema.VolumeKey>
  private let volumeKeyCount: Int
  private let volumeTable: UnsafeMutablePointer<Int>
  private let ordinalSlot: UnsafeMutablePointer<Int>
  let volumeCounts: UnsafeBufferPointer<Int>
  /// Records each filter dropped, over every chunk this state decoded.
  let dropCounts: UnsafeMutablePointer<Int>
  private let ruleCount: Int

  // Per file. A raw pointer, not an array: reading an array property of a
  // class in the per-field path costs a retain and a release each time.
  private var ops: UnsafeMutablePointer<FieldOp>
  private var opsCapacity = 0
  private var fieldCount = 0
  private var numberFormat = NumberFormat.danish
  /// `numberFormat`'s decimal mark.
  private var decimalMark = NumberFormat.danish.decimalMark
  private var latin1 = false

  // Per field position, the outcomes of its short fields by their bytes
  // (`FieldCache`): a year, a code, a kommune or an amount is decoded once
  // per distinct text, not once per record. Kept from chunk to chunk while
  // the layout (and so every position's column and rules) stays the same.
  static let cacheBits = 12
  /// At most this many positions have a cache (1.5 MB a decoder): a wide
  /// file's further columns are decoded directly.
  static let cachedPositions = 16
  private var cache: UnsafeMutablePointer<FieldCacheEntry>
  /// Per position: misses since the last chunk began, and whether its
  /// cache was turned off (too many distinct texts for it to pay).
  private var cacheMisses: UnsafeMutablePointer<Int>
  private var cacheOff: UnsafeMutablePointer<Bool>
  /// Per position: the entries its cache has filled. A number position
  /// past `plainAfter` of them (its entries spread beyond the first-level
  /// cache of the processor) reads plain digits from the field's word
  /// (`FieldOp.plain`); a few values stay cheaper to look up.
  private var cacheFilled: UnsafeMutablePointer<Int>
  static let plainAfter = 256
  /// Per position that begins a pair: the entries its pair's cache has
  /// filled. Past `pairAfter` (too many combinations: the single caches
  /// hold fewer entries, so they stay in the first-level cache) the pair
  /// is no longer formed.
  private var pairFilled: UnsafeMutablePointer<Int>
  static let pairAfter = 256
  private var cacheColumns: [Int] = []
  private var cacheFormat = NumberFormat.danish
  private var cacheLatin1 = false
  private var recordsSinceCheck = 0
  /// The first window of records (which fills the caches) is behind.
  private var cacheWarm = false
  /// The field ends (delimiter positions) of the line being split by
  /// `PlainSplitter.splitRecords`: `fieldCount - 1` of them, and room for
  /// a block's 64 more past `fieldCount`.
  private(set) var fieldEnds: UnsafeMutablePointer<Int>

  // Sampled timing (`ScanTiming`): one field and one record in
  // `sampleEvery` is timed, and its ticks counted `sampleEvery` times.
  static let sampleEvery = 256
  private var fieldCountdown = DecoderState.sampleEvery
  private var fastCountdown = DecoderState.sampleEvery
  private var recordCountdown = DecoderState.sampleEvery
  /// Estimated ticks spent decoding and checking fields and records.
  var validateTicks: UInt64 = 0
  /// Estimated ticks spent in the consumer.
  var consumeTicks: UInt64 = 0

  // Per record.
  private var fieldIndex = 0
  private var violationColumn = -1
  private var violationRule = -1
  /// The filter that dropped the record (`RecordRule.Check.keep`), or -1.
  private var droppedBy = -1
  private var previousWasCR = false
  /// Bytes of the record's unbounded fields so far (ignored and text
  /// fields, and fields after a violation or past the header's count).
  private var recordBytes = 0
  private(set) var probing = false
  /// See `RecordDecoder.quotedTabs`.
  var quotedTabs = false
  private(set) var probeAccepted = false
  private(set) var probeRule = -1
  private var savedPreviousWasCR = false

  // Per chunk.
  private(set) var records = 0
  private(set) var accepted = 0
  private(set) var emptyLines = 0
  private(set) var rejects: [ChunkReject] = []

  init(schema: CompiledSchema, rules: RuleSet, consumer: ConsumerBox, columns: RecordColumns) {
    compiled = schema
    colCount = schema.cols.count
    self.rules = Unmanaged.passUnretained(rules)
    let optional = schema.cols.indices.filter { !schema.cols[$0].required }
    optionalCount = optional.count
    optionalColumns = CacheLines.allocate(max(optional.count, 1))
    optionalColumns.initialize(from: optional, count: optional.count)
    ops = CacheLines.allocate(1)
    cache = CacheLines.allocate(1)
    cacheMisses = CacheLines.allocate(1)
    cacheOff = CacheLines.allocate(1)
    cacheFilled = CacheLines.allocate(1)
    pairFilled = CacheLines.allocate(1)
    fieldEnds = CacheLines.allocate(1)
    maxRecordBytes = schema.schema.maxRecordBytes
    volumeKeyCount = schema.volumeCells > 0 ? schema.volumeKeys.count : 0
    volumeKeys = CacheLines.allocate(max(volumeKeyCount, 1))
    volumeKeys.initialize(from: schema.volumeKeys, count: volumeKeyCount)
    volumeTable = CacheLines.allocate(max(schema.volumeCells, 1))
    volumeTable.initialize(repeating: 0, count: max(schema.volumeCells, 1))
    volumeCounts = UnsafeBufferPointer(start: volumeTable, count: schema.volumeCells)
    let n = max(colCount, 1)
    values = CacheLines.allocate(n)
    keys = CacheLines.allocate(n)
    keys.initialize(repeating: EntityKey(lo: 0, hi: 0), count: n)
    values.initialize(repeating: Record.null, count: n)
    ordinalSlot = CacheLines.allocate(1)
    ordinalSlot.initialize(to: 0)
    dropCounts = CacheLines.allocate(max(schema.dropNames.count, 1))
    dropCounts.initialize(repeating: 0, count: max(schema.dropNames.count, 1))
    ruleCount = schema.compiledRules.count
    record = Record(values: values, keys: keys, ordinalSlot: ordinalSlot, columns: Unmanaged.passUnretained(columns))
    self.consumer = Unmanaged.passUnretained(consumer)
  }

  func free() {
    dropCounts.deallocate()
    ordinalSlot.deallocate()
    volumeKeys.deallocate()
    volumeTable.deallocate()
    optionalColumns.deallocate()
    ops.deallocate()
    cache.deallocate()
    cacheMisses.deallocate()
    cacheOff.deallocate()
    cacheFilled.deallocate()
    pairFilled.deallocate()
    fieldEnds.deallocate()
    values.deallocate()
    keys.deallocate()
  }

  mutating func begin(layout: FileLayout) {
    fieldCount = layout.columnOfField.count
    if fieldCount > opsCapacity {
      ops.deallocate()
      ops = CacheLines.allocate(fieldCount)
      cache.deallocate()
      // Each cached position's region, then as many for pairs.
      cache = CacheLines.allocate(2 * min(fieldCount, Self.cachedPositions) << Self.cacheBits)
      cacheMisses.deallocate()
      cacheMisses = CacheLines.allocate(fieldCount)
      cacheOff.deallocate()
      cacheFilled.deallocate()
      cacheOff = CacheLines.allocate(fieldCount)
      cacheFilled = CacheLines.allocate(fieldCount)
      pairFilled.deallocate()
      pairFilled = CacheLines.allocate(fieldCount)
      fieldEnds.deallocate()
      fieldEnds = CacheLines.allocate(fieldCount + 1 + 64)
      opsCapacity = fieldCount
      cacheColumns = []
    }
    let format = layout.dialect.numberFormat
    let isLatin1 = layout.dialect.encoding == .windows1252
    if cacheColumns != layout.columnOfField || cacheFormat != format || cacheLatin1 != isLatin1 {
      // Another layout: every position's outcomes start afresh.
      cache.initialize(
        repeating: FieldCacheEntry(), count: 2 * min(fieldCount, Self.cachedPositions) << Self.cacheBits)
      cacheOff.initialize(repeating: false, count: fieldCount)
      cacheFilled.initialize(repeating: 0, count: fieldCount)
      pairFilled.initialize(repeating: 0, count: fieldCount)
      cacheMisses.initialize(repeating: 0, count: fieldCount)
      (cacheColumns, cacheFormat, cacheLatin1) = (layout.columnOfField, format, isLatin1)
      recordsSinceCheck = 0
      cacheWarm = false
    } else if recordsSinceCheck >= 1 << 16 {
      // A position that missed on more than half of the records (after a
      // first window that fills the caches) has too many distinct texts:
      // decoding them directly costs less.
      for i in 0..<fieldCount {
        if cacheWarm && cacheMisses[i] * 2 > recordsSinceCheck { cacheOff[i] = true }
        cacheMisses[i] = 0
      }
      cacheWarm = true
      recordsSinceCheck = 0
    }
    var caches = 0
    for (i, col) in layout.columnOfField.enumerated() {
      var op = FieldOp()
      if col >= 0 {
        let c = compiled.cols[col]
        op.col = col
        op.required = c.required
        op.nonZero = c.nonZero
        op.outOfRange = Int32(c.outOfRange)
        switch c.kind {
        case .integer(let lo, let hi): (op.kind, op.a, op.b) = (.integer, lo, hi)
        case .code(let lo, let allowed, let count):
          (op.kind, op.a, op.b, op.allowed) = (.code, lo, Int64(count), allowed)
        case .decimal(let scale): (op.kind, op.a, op.b) = (.decimal, Int64(scale), c.maxMagnitude)
        case .digits(let count): (op.kind, op.a) = (.digits, Int64(count))
        case .flag(let yes, let no): (op.kind, op.a, op.b) = (.flag, Int64(yes | 0x20), Int64(no | 0x20))
        case .text(let maxLength): (op.kind, op.a) = (.text, Int64(maxLength))
        case .date(let format, let lo, let hi):
          (op.kind, op.a, op.b, op.dayFirst) = (.date, lo, hi, format == .danish)
        }
        // The first `cachedPositions` positions that could use a cache
        // have one, whether or not it is turned off (so a position keeps
        // its entries from chunk to chunk).
        switch op.kind {
        case .integer, .code, .digits: op.plain = true
        case .decimal: op.plain = (1...6).contains(op.a)
        default: break
        }
        if op.kind != .text && caches < Self.cachedPositions {
          op.cacheBase = caches << Self.cacheBits
          // A number of few values is looked up; of many, read (what is
          // not plain digits then goes the general way).
          op.plain = op.plain && cacheFilled[i] > Self.plainAfter
          op.cached = !cacheOff[i] && !op.plain
          caches += 1
        }
      }
      (ops + i).initialize(to: op)
    }
    // Pairs of cached positions, from the left; one whose cache filled
    // past `pairAfter` is off, and its second position may pair with the
    // one after.
    let pairRegions = min(fieldCount, Self.cachedPositions) << Self.cacheBits
    var i = 0
    while i + 1 < fieldCount {
      if ops[i].cached && ops[i + 1].cached && pairFilled[i] <= Self.pairAfter {
        ops[i].paired = true
        ops[i].pairBase = Int32(pairRegions + ops[i].cacheBase)
        i += 2
      } else {
        i += 1
      }
    }
    numberFormat = layout.dialect.numberFormat
    decimalMark = numberFormat.decimalMark
    latin1 = layout.dialect.encoding == .windows1252
    records = 0
    accepted = 0
    emptyLines = 0
    previousWasCR = false
    rejects.removeAll(keepingCapacity: true)
    startRecord()
  }

  mutating func markUnterminatedQuote() {
    violationColumn = -1
    violationRule = FieldRule.unterminatedQuote.rawValue
  }

  mutating func rejectRecord(_ rule: FieldRule) {
    rejects.append(ChunkReject(ordinal: records, column: -1, rule: rule.rawValue))
    records += 1
    previousWasCR = false
    startRecord()
  }

  mutating func setProbing(_ on: Bool) {
    if on {
      savedPreviousWasCR = previousWasCR
      previousWasCR = false
      probeAccepted = false
      probeRule = -1
    } else {
      previousWasCR = savedPreviousWasCR
    }
    probing = on
    startRecord()
  }

  @inline(__always) private mutating func startRecord() {
    fieldIndex = 0
    droppedBy = -1
    recordBytes = 0
    violationColumn = -1
    violationRule = -1
    // A valid record sets every required column (an empty or missing one
    // is a violation), so only the optional ones need clearing.
    for i in 0..<optionalCount { values[optionalColumns[i]] = Record.null }
  }

  @inline(__always) private mutating func violate(_ col: Int, _ rule: FieldRule) {
    violationColumn = col
    violationRule = rule.rawValue
  }

  /// A value outside its column's range: `out-of-range`, or the column's
  /// own rule (`Column.outOfRange`).
  @inline(__always) private mutating func violateRange(_ col: Int, _ op: UnsafeMutablePointer<FieldOp>) {
    violationColumn = col
    violationRule = Int(op.pointee.outOfRange)
  }

  @inline(__always)
  mutating func field(_ bytes: UnsafeRawBufferPointer) {
    fieldCountdown &-= 1
    if _slowPath(fieldCountdown == 0) {
      sampledField(bytes)
      return
    }
    decodeField(bytes)
  }

  /// One field in `sampleEvery`, timed: out of line, so that the per-field
  /// path keeps one inlined copy of the decoding.
  @inline(never)
  private mutating func sampledField(_ bytes: UnsafeRawBufferPointer) {
    fieldCountdown = DecoderState.sampleEvery
    let t0 = luna_ticks()
    decodeFieldOutOfLine(bytes)
    validateTicks &+= DecoderState.sampled(luna_ticks() &- t0)
  }

  @inline(never)
  private mutating func decodeFieldOutOfLine(_ bytes: UnsafeRawBufferPointer) { decodeField(bytes) }

  /// The ticks a timed sample adds of its own (two tick reads and an
  /// out-of-line call around nothing; the least of 256 tries): taken off
  /// each sample, or a field that decodes in fewer ticks than the timer
  /// costs would count the timer as validation, and the splitter's share
  /// of the scan would read 0.
  static let timerTicks: UInt64 = {
    var least = UInt64.max
    for _ in 0..<256 {
      let t0 = luna_ticks()
      timedNothing()
      least = min(least, luna_ticks() &- t0)
    }
    return least
  }()

  @inline(never) private static func timedNothing() {}

  /// A sample's ticks, less the timer's, counted `sampleEvery` times. A
  /// sample past 2^16 ticks (tens of microseconds: the thread was
  /// preempted, or a table grew) counts 0: multiplied by `sampleEvery` it
  /// would outweigh the whole chunk.
  @inline(__always) static func sampled(_ ticks: UInt64) -> UInt64 {
    let t = ticks > timerTicks ? ticks &- timerTicks : 0
    return t > 1 << 16 ? 0 : t &* UInt64(sampleEvery)
  }

  @inline(__always)
  private mutating func decodeField(_ bytes: UnsafeRawBufferPointer) {
    let fi = fieldIndex
    fieldIndex = fi &+ 1
    // Once a record broke a rule its other fields need no decoding.
    guard fi < fieldCount, violationRule < 0 else {
      recordBytes &+= bytes.count &+ 1
      return
    }
    let op = ops + fi
    let kind = op.pointee.kind
    // A record's length counts where it is not bounded by a rule of its
    // own: fields no column reads (numbers and text have their limits).
    if kind == .ignore {
      recordBytes &+= bytes.count &+ 1
      return
    }
    let col = op.pointee.col
    let n = bytes.count
    if n == 0 {
      if op.pointee.required { violate(col, .empty) }
      return
    }
    let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
    if kind == .text {
      recordBytes &+= n
      decodeText(bytes, p, n, col: col, maxLength: Int(op.pointee.a))
      return
    }
    apply(col, Self.decodeScalar(op, p, n, numberFormat))
  }

  /// The field count a line must have for `fastRecord`, 0 when the fast
  /// path is closed (a probe in progress).
  var fastFieldCount: Int { probing ? 0 : fieldCount }
  /// The longest line (without its line end) `fastRecord` takes: one that
  /// cannot break `record-too-long` (a record's counted bytes are at most
  /// its line's length + 1).
  var fastLineLimit: Int { maxRecordBytes &- 1 }

  /// The record of the line `base[start..<end]`, ended by the line end
  /// `terminator` at `end`: exactly what its fields and its line end given
  /// one by one (`field`, `endRecord`) would do, for a line that has
  /// `fieldCount` fields (its delimiters at `fieldEnds`), needs no
  /// trimming and is not longer than `fastLineLimit`. 16 bytes from each
  /// field's start (up to `end + 16`) may be read, for the field caches.
  @inline(__always)
  mutating func fastRecord(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, terminator: Int32) {
    // Sampled timing: one line's fields in `sampleEvery` lines, counted
    // `sampleEvery` times.
    fastCountdown &-= 1
    let sampled = fastCountdown == 0
    let t0 = sampled ? luna_ticks() : 0
    fastFields(base, start, end)
    if _slowPath(sampled) {
      fastCountdown = DecoderState.sampleEvery
      validateTicks &+= DecoderState.sampled(luna_ticks() &- t0)
    }
    recordsSinceCheck &+= 1
    // Its shape is right by construction: `fieldCount` fields, no longer
    // than the record limit.
    fieldIndex = fieldCount
    previousWasCR = terminator == 13
    completeRecord()
  }

  /// The fields of `fastRecord`'s line, decoded up to the first that
  /// breaks a rule. `fieldEnds` holds each field's end, the line's last.
  @inline(__always)
  private mutating func fastFields(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) {
    // Locals, not stored properties: kept in registers across the loop.
    let ends = fieldEnds
    let ops = self.ops
    let values = self.values
    let cache = self.cache
    let count = fieldCount
    let decimalMark = self.decimalMark
    var from = start
    var fi = 0
    while fi < count {
      let to = ends[fi]
      let op = ops + fi
      let n = to &- from
      let p = base + from
      if op.pointee.paired {
        // Two fields of a pair, both filled, that fit one word with their
        // separators: one lookup for both.
        let to2 = ends[fi &+ 1]
        let len = to2 &- from
        if n > 0 && to2 &- to > 1 && len < 8 {
          let k0 = UnalignedLoad.u64(p) & FieldCacheEntry.mask(len &+ 1)
          let e = cache + (Int(truncatingIfNeeded: op.pointee.pairBase) | FieldCacheEntry.slot(k0, 0))
          if _fastPath(e.pointee.k0 == k0) {
            values[op.pointee.col] = Int64(bitPattern: e.pointee.k1)
            values[(op + 1).pointee.col] = e.pointee.value
          } else if !pairMiss(op, fi, p, n, to2 &- to &- 1, e, k0) {
            return
          }
          from = to2 &+ 1
          fi &+= 2
          continue
        }
      }
      // A field of up to 15 bytes of a cached position: its words, looked up.
      if op.pointee.cached && UInt(bitPattern: n &- 1) < 15 {
        if n < 8 {
          // One word: no field of 8 bytes or more has the same first
          // word (its byte n is a field byte, here it is the separator).
          let k0 = UnalignedLoad.u64(p) & FieldCacheEntry.mask(n &+ 1)
          let e = cache + (op.pointee.cacheBase | FieldCacheEntry.slot(k0, 0))
          if _fastPath(e.pointee.k0 == k0) {
            values[op.pointee.col] = e.pointee.value
            from = to &+ 1
            fi &+= 1
            continue
          }
          if !cacheMiss(op, fi, p, n, e, k0, 0) { return }
        } else {
          let k0 = UnalignedLoad.u64(p)
          let k1 = UnalignedLoad.u64(p + 8) & FieldCacheEntry.mask(n &- 7)
          let e = cache + (op.pointee.cacheBase | FieldCacheEntry.slot(k0, k1))
          if _fastPath(e.pointee.k0 == k0 && e.pointee.k1 == k1) {
            values[op.pointee.col] = e.pointee.value
            from = to &+ 1
            fi &+= 1
            continue
          }
          if !cacheMiss(op, fi, p, n, e, k0, k1) { return }
        }
      } else if op.pointee.plain && UInt(bitPattern: n &- 1) < 8,
        case let v = PlainWord.value(
          UnalignedLoad.u64(p), n, decimals: op.pointee.kind == .decimal ? Int(op.pointee.a) : 0, mark: decimalMark),
        v >= 0
      {
        // Plain digits of up to 8 bytes: the value from the word itself, no
        // memory touched (a position of many values, an amount or a clinic
        // number, would miss a cache of a few lines).
        let o = Self.checked(op, v, n)
        if _slowPath(o.rule >= 0) {
          apply(op.pointee.col, o)
          return
        }
        values[op.pointee.col] = o.value
      } else if n == 0 {
        if op.pointee.required && op.pointee.kind != .ignore {
          violate(op.pointee.col, .empty)
          return
        }
      } else if op.pointee.kind == .text && n == 16 && op.pointee.a >= 16 {
        // 16 bytes of text (a hex id, say): printable ASCII is the key as
        // it stands (as `decodeText` makes it); anything else goes there.
        let lo = UnalignedLoad.u64(p)
        let hi = UnalignedLoad.u64(p + 8)
        if Self.printable(lo, hi, UInt64.max, UInt64.max) {
          let col = op.pointee.col
          values[col] = 0
          keys[col] = EntityKey(lo: lo, hi: hi)
        } else if !slowField(op, p, n) {
          return
        }
      } else if op.pointee.kind == .text && n < 16 {
        if !shortText(op, p, n) { return }
      } else if op.pointee.kind != .ignore {
        if !slowField(op, p, n) { return }
      }
      from = to &+ 1
      fi &+= 1
    }
  }

  /// Whether the bytes of `w0`, `w1` under the masks are printable ASCII
  /// (no byte below 0x20 or above 0x7E). A borrow only runs to later
  /// bytes, so bytes after the masked ones flag nothing within them.
  @inline(__always) static func printable(_ w0: UInt64, _ w1: UInt64, _ m0: UInt64, _ m1: UInt64) -> Bool {
    let d0 = w0 ^ 0x7F7F_7F7F_7F7F_7F7F
    let d1 = w1 ^ 0x7F7F_7F7F_7F7F_7F7F
    let f0 = ((w0 &- 0x2020_2020_2020_2020) | w0 | ((d0 &- 0x0101_0101_0101_0101) & ~d0)) & m0
    let f1 = ((w1 &- 0x2020_2020_2020_2020) | w1 | ((d1 &- 0x0101_0101_0101_0101) & ~d1)) & m1
    return (f0 | f1) & 0x8080_8080_8080_8080 == 0
  }

  /// Text of 1 to 15 bytes in `fastFields` (16 may be read): printable
  /// ASCII is its key as `EntityKey.make` makes it (the bytes, the length
  /// in the last byte); anything else goes to `decodeText`. Returns false
  /// if it broke a rule.
  @inline(never)
  private mutating func shortText(_ op: UnsafeMutablePointer<FieldOp>, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let w0 = UnalignedLoad.u64(p)
    let w1 = UnalignedLoad.u64(p + 8)
    let m0 = n >= 8 ? UInt64.max : FieldCacheEntry.mask(n)
    let m1 = n > 8 ? FieldCacheEntry.mask(n &- 8) : 0
    if n <= op.pointee.a && Self.printable(w0, w1, m0, m1) {
      let col = op.pointee.col
      values[col] = 0
      keys[col] = EntityKey(lo: w0 & m0, hi: (w1 & m1) | UInt64(truncatingIfNeeded: n) << 56)
      return true
    }
    return slowField(op, p, n)
  }

  /// The two fields (`n1`, `n2` bytes, both 1 to 7, the second after the
  /// first's delimiter) of a pair its cache did not hold: each through its
  /// own cache, as if unpaired; kept in `e` if both are valid. Returns
  /// false if one broke a rule (the violation noted).
  @inline(never)
  private mutating func pairMiss(
    _ op: UnsafeMutablePointer<FieldOp>, _ fi: Int, _ p: UnsafePointer<UInt8>, _ n1: Int, _ n2: Int,
    _ e: UnsafeMutablePointer<FieldCacheEntry>, _ k0: UInt64
  ) -> Bool {
    guard cachedField(op, fi, p, n1), cachedField(op + 1, fi &+ 1, p + (n1 &+ 1), n2) else { return false }
    if e.pointee.k0 == 0 { pairFilled[fi] &+= 1 }
    e.pointee = FieldCacheEntry(
      k0: k0, k1: UInt64(bitPattern: values[op.pointee.col]), value: values[(op + 1).pointee.col])
    return true
  }

  /// A field of 1 to 7 bytes of a cached position, through its cache.
  /// Returns false if it broke a rule.
  @inline(__always)
  private mutating func cachedField(_ op: UnsafeMutablePointer<FieldOp>, _ fi: Int, _ p: UnsafePointer<UInt8>, _ n: Int)
    -> Bool
  {
    let k0 = UnalignedLoad.u64(p) & FieldCacheEntry.mask(n &+ 1)
    let e = cache + (op.pointee.cacheBase | FieldCacheEntry.slot(k0, 0))
    if e.pointee.k0 == k0 {
      values[op.pointee.col] = e.pointee.value
      return true
    }
    return cacheMiss(op, fi, p, n, e, k0, 0)
  }

  /// A field the cache did not hold: decoded, and kept in `e` if it is
  /// valid. Returns false if it broke a rule (the violation noted).
  @inline(never)
  private mutating func cacheMiss(
    _ op: UnsafeMutablePointer<FieldOp>, _ fi: Int, _ p: UnsafePointer<UInt8>, _ n: Int,
    _ e: UnsafeMutablePointer<FieldCacheEntry>, _ k0: UInt64, _ k1: UInt64
  ) -> Bool {
    let o = Self.decodeScalar(op, p, n, numberFormat)
    cacheMisses[fi] &+= 1
    if o.rule < 0 {
      if e.pointee.k0 == 0 { cacheFilled[fi] &+= 1 }
      e.pointee = FieldCacheEntry(k0: k0, k1: k1, value: o.value)
    }
    apply(op.pointee.col, o)
    return o.rule < 0
  }

  /// A field of `fastFields` that no cache takes: empty, text, or a
  /// number too long for a word. Returns false if it broke a rule.
  @inline(never)
  private mutating func slowField(_ op: UnsafeMutablePointer<FieldOp>, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let col = op.pointee.col
    if n == 0 {
      if op.pointee.required { violate(col, .empty) }
    } else if op.pointee.kind == .text {
      decodeText(UnsafeRawBufferPointer(start: p, count: n), p, n, col: col, maxLength: Int(op.pointee.a))
    } else {
      apply(col, Self.decodeScalar(op, p, n, numberFormat))
    }
    return violationRule < 0
  }

  /// What decoding a number, code, digits, flag or date field gave: its
  /// value (`Record.null` for a field of only spaces in an optional
  /// column), or the rule it broke.
  struct Outcome {
    var value: Int64
    /// The rule code (`ChunkReject.rule`), or -1.
    var rule: Int32
    @inline(__always) static func ok(_ v: Int64) -> Outcome { Outcome(value: v, rule: -1) }
    @inline(__always) static func broke(_ r: Int) -> Outcome { Outcome(value: 0, rule: Int32(truncatingIfNeeded: r)) }
    @inline(__always) static func broke(_ r: FieldRule) -> Outcome { broke(r.rawValue) }
  }

  @inline(__always) private mutating func apply(_ col: Int, _ o: Outcome) {
    if o.rule < 0 {
      values[col] = o.value
    } else {
      violationColumn = col
      violationRule = Int(o.rule)
    }
  }

  /// The checks of a number, code or digits column on the value `v` of a
  /// field of `n` plain digits (for a decimal: with its decimals), as
  /// `decodeScalar` makes them.
  @inline(__always)
  private static func checked(_ op: UnsafeMutablePointer<FieldOp>, _ v: Int64, _ n: Int) -> Outcome {
    switch op.pointee.kind {
    case .integer:
      if v < op.pointee.a || v > op.pointee.b { return .broke(Int(op.pointee.outOfRange)) }
      if v == 0 && op.pointee.nonZero { return .broke(FieldRule.zero) }
      return .ok(v)
    case .code:
      let k = v &- op.pointee.a
      if k >= 0 && k < op.pointee.b && op.pointee.allowed![Int(k)] { return .ok(v) }
      return .broke(.unknownCode)
    case .digits:
      return n == Int(op.pointee.a) ? .ok(v) : .broke(.notDigits)
    default:
      if v == 0 && op.pointee.nonZero { return .broke(FieldRule.zero) }
      if v > op.pointee.b { return .broke(Int(op.pointee.outOfRange)) }
      return .ok(v)
    }
  }

  /// Decodes the non-empty field `p[0..<n]` of a number, code, digits,
  /// flag or date column. A pure function of the bytes, the column and the
  /// file's number format: what `FieldCache` keeps.
  @inline(__always)
  private static func decodeScalar(
    _ op: UnsafeMutablePointer<FieldOp>, _ p: UnsafePointer<UInt8>, _ n: Int, _ numberFormat: NumberFormat
  ) -> Outcome {
    switch op.pointee.kind {
    case .integer, .code:
      // Plain digits inline; anything else (sign, thousands dots) goes the
      // general way.
      var v: Int64 = 0
      var plain = false
      if n <= 18, let d = Digits.parse(p, n) {
        v = d
        plain = true
      }
      if !plain {
        guard case .success(let parsed) = NumberParsing.integer(UnsafeRawBufferPointer(start: p, count: n), format: numberFormat)
        else {
          return spaced(op, p, n, .notANumber, numberFormat)
        }
        v = parsed
      }
      if op.pointee.kind == .integer {
        if v < op.pointee.a || v > op.pointee.b { return .broke(Int(op.pointee.outOfRange)) }
        if v == 0 && op.pointee.nonZero { return .broke(FieldRule.zero) }
        return .ok(v)
      }
      let k = v &- op.pointee.a
      if k >= 0 && k < op.pointee.b && op.pointee.allowed![Int(k)] { return .ok(v) }
      return .broke(.unknownCode)
    case .decimal:
      // Fast path: `ddd,dd` (the common amount) with the scale 2.
      if n >= 4 && n <= 15 && op.pointee.a == 2 && p[n - 3] == numberFormat.decimalMark {
        var v: Int64 = 0
        var ok = true
        for i in 0..<(n - 3) {
          let d = p[i] &- 48
          if d >= 10 {
            ok = false
            break
          }
          v = v &* 10 &+ Int64(d)
        }
        let d1 = p[n - 2] &- 48
        let d2 = p[n - 1] &- 48
        if ok && d1 < 10 && d2 < 10 {
          v = v &* 100 &+ Int64(d1) &* 10 &+ Int64(d2)
          if v == 0 && op.pointee.nonZero { return .broke(FieldRule.zero) }
          if v > op.pointee.b { return .broke(Int(op.pointee.outOfRange)) }
          return .ok(v)
        }
      }
      switch NumberParsing.decimal(UnsafeRawBufferPointer(start: p, count: n), scale: Int(op.pointee.a), format: numberFormat) {
      case .success(let v):
        if v == 0 && op.pointee.nonZero { return .broke(FieldRule.zero) }
        if v > op.pointee.b || v < -op.pointee.b { return .broke(Int(op.pointee.outOfRange)) }
        return .ok(v)
      case .failure(.tooManyDecimals): return .broke(.tooManyDecimals)
      case .failure: return spaced(op, p, n, .notANumber, numberFormat)
      }
    case .digits:
      guard n == Int(op.pointee.a), let v = Digits.parse(p, n) else { return spaced(op, p, n, .notDigits, numberFormat) }
      return .ok(v)
    case .flag:
      let c = n == 1 ? Int64(p[0] | 0x20) : -1
      if c == op.pointee.a { return .ok(1) }
      if c == op.pointee.b { return .ok(0) }
      return spaced(op, p, n, .notAFlag, numberFormat)
    case .date:
      guard let v = DateParsing.yyyymmdd(p, n, dayFirst: op.pointee.dayFirst) else {
        return spaced(op, p, n, .notADate, numberFormat)
      }
      let year = v / 10_000
      if year < op.pointee.a || year > op.pointee.b { return .broke(Int(op.pointee.outOfRange)) }
      return .ok(v)
    case .text, .ignore:
      return .ok(Record.null)
    }
  }

  /// A number, digits, flag or date field that does not read: read again
  /// without the spaces around it, if it has any (` 12`, `2023-01-31 `:
  /// spaces are no part of such a value, whether or not the dialect trims
  /// text), else the violation. Out of line: only a field that failed
  /// comes here.
  @inline(never)
  private static func spaced(
    _ op: UnsafeMutablePointer<FieldOp>, _ p: UnsafePointer<UInt8>, _ n: Int, _ rule: FieldRule,
    _ numberFormat: NumberFormat
  ) -> Outcome {
    var lo = 0
    var hi = n
    while lo < hi && (p[lo] == 0x20 || p[lo] == 0x09) { lo += 1 }
    while hi > lo && (p[hi - 1] == 0x20 || p[hi - 1] == 0x09) { hi -= 1 }
    if lo == 0 && hi == n { return .broke(rule) }
    if hi == lo { return op.pointee.required ? .broke(.empty) : .ok(Record.null) }
    return decodeScalar(op, p + lo, hi - lo, numberFormat)
  }

  @inline(__always)
  private mutating func decodeText(_ bytes: UnsafeRawBufferPointer, _ p: UnsafePointer<UInt8>, _ n: Int, col: Int, maxLength: Int) {
    // Eight bytes at a time: any byte below 0x20 (a control character) or
    // with the high bit set (non-ASCII) shows in `flags`.
    // DEL (0x7F) shows as a zero byte of w ^ 0x7F7F...: the zero-byte test
    // (x - 0x0101...) & ~x adds it to the same high bits.
    var flags: UInt64 = 0
    var i = 0
    while i &+ 8 <= n {
      let w = UnalignedLoad.u64(p + i)
      let del = w ^ 0x7F7F_7F7F_7F7F_7F7F
      flags |= (w &- 0x2020_2020_2020_2020) | w | ((del &- 0x0101_0101_0101_0101) & ~del)
      i &+= 8
    }
    while i < n {
      let w = UInt64(p[i])
      flags |= (w &- 0x20) | w | (w == 0x7F ? 0x80 : 0)
      i &+= 1
    }
    var chars = n
    if flags & 0x8080_8080_8080_8080 != 0 {
      // A control character or a non-ASCII byte: look byte by byte.
      chars = 0
      for k in 0..<n {
        let b = p[k]
        // A line break in a field was quoted (an unquoted one ends the
        // record), and so was a TAB when `quotedTabs` says so.
        if (b < 0x20 && b != 0x0A && b != 0x0D && !(b == 0x09 && quotedTabs)) || b == 0x7F {
          violate(col, .controlCharacter)
          return
        }
        // The five bytes Windows-1252 leaves undefined.
        if latin1 && (b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D) {
          violate(col, .invalidEncoding)
          return
        }
        if b & 0xC0 != 0x80 || latin1 { chars &+= 1 }
      }
      // In a UTF-8 file, text that is not UTF-8 (a Windows-1252 `ø` past
      // the detection window, a cut-off sequence) would key the same
      // patient differently from its correctly encoded spelling.
      if !latin1 && String(validating: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) == nil {
        violate(col, .invalidEncoding)
        return
      }
      if chars > maxLength {
        violate(col, .tooLong)
        return
      }
      values[col] = 0
      if latin1 {
        // The same id must give the same key whichever encoding its file had.
        let utf8 = Transcoding.utf8(fromWindows1252: bytes)
        keys[col] = utf8.withUnsafeBytes { EntityKey.make($0) }
      } else {
        keys[col] = EntityKey.make(bytes)
      }
      return
    }
    if n > maxLength {
      violate(col, .tooLong)
      return
    }
    values[col] = 0
    keys[col] = n == 16 ? EntityKey(lo: UnalignedLoad.u64(p), hi: UnalignedLoad.u64(p + 8)) : EntityKey.make(bytes)
  }

  @inline(__always)
  mutating func endRecord(terminator: Int32) {
    if probing {
      endProbe()
      return
    }
    if fieldIndex == 0 {
      // A line end with no fields before it: the LF of a CRLF, an empty
      // line, or the end of the input.
      if terminator == 10 && previousWasCR {
        previousWasCR = false
      } else if terminator >= 0 {
        emptyLines += 1
        previousWasCR = terminator == 13
      }
      return
    }
    previousWasCR = terminator == 13
    checkShape()
    completeRecord()
  }

  /// A record whose fields are all in and its shape (length, field count)
  /// checked: its record rules checked, then counted, consumed or
  /// rejected, and the next one begun. `fastRecord` comes here directly.
  @inline(__always)
  private mutating func completeRecord() {
    let ordinal = records
    records &+= 1
    recordCountdown &-= 1
    let sampled = recordCountdown == 0
    var t0: UInt64 = 0
    if sampled {
      recordCountdown = DecoderState.sampleEvery
      t0 = luna_ticks()
    }
    checkRules()
    if violationRule < 0 {
      accepted &+= 1
      if volumeKeyCount > 0 { countVolume() }
      ordinalSlot.pointee = ordinal
      if droppedBy >= 0 {
        dropCounts[droppedBy] &+= 1
        if sampled { validateTicks &+= DecoderState.sampled(luna_ticks() &- t0) }
      } else if sampled {
        let t1 = luna_ticks()
        consumer._withUnsafeGuaranteedRef { $0.consumer.consume(record) }
        let t2 = luna_ticks()
        validateTicks &+= DecoderState.sampled(t1 &- t0)
        consumeTicks &+= DecoderState.sampled(t2 &- t1)
      } else {
        consumer._withUnsafeGuaranteedRef { $0.consumer.consume(record) }
      }
    } else {
      if sampled { validateTicks &+= DecoderState.sampled(luna_ticks() &- t0) }
      rejects.append(ChunkReject(ordinal: ordinal, column: violationColumn, rule: violationRule))
    }
    startRecord()
  }

  /// The record-level checks after the last field: length, field count,
  /// the schema's record rules.
  @inline(__always) private mutating func checkRecord() {
    checkShape()
    checkRules()
  }

  /// The record's length and field count.
  @inline(__always) private mutating func checkShape() {
    if recordBytes > maxRecordBytes {
      violationColumn = -1
      violationRule = FieldRule.recordTooLong.rawValue
    }
    if violationRule < 0 && fieldIndex != fieldCount {
      violationColumn = -1
      violationRule = FieldRule.fieldCount.rawValue
    }
  }

  /// The schema's record rules, for a record that broke no other.
  @inline(__always) private mutating func checkRules() {
    if violationRule < 0 && ruleCount > 0 {
      let i = rules._withUnsafeGuaranteedRef { $0.check(record) }
      if i >= 0 {
        violationColumn = compiled.schema.index(of: compiled.rules[i].column) ?? -1
        violationRule = FieldRule.allCases.count + i
      } else if i <= -2 {
        droppedBy = -2 - i
      }
    }
  }

  /// A probed record's verdict, nothing counted. Empty records (line ends
  /// with no field) leave the verdict alone.
  private mutating func endProbe() {
    if fieldIndex > 0 {
      checkRecord()
      probeAccepted = violationRule < 0
      // A wrong field count first: it tells a stray quote from a field.
      probeRule = fieldIndex != fieldCount ? FieldRule.fieldCount.rawValue : violationRule
    }
    startRecord()
  }

  @inline(__always) private mutating func countVolume() {
    var cell = 0
    for k in 0..<volumeKeyCount {
      let key = volumeKeys[k]
      let v = values[key.column]
      let i = v == Record.null ? key.size &- 1 : Int(truncatingIfNeeded: v &- key.lo)
      cell = cell &* key.size &+ (UInt(bitPattern: i) < UInt(bitPattern: key.size &- 1) ? i : key.size &- 1)
    }
    volumeTable[cell] &+= 1
  }
}

/// A field of plain ASCII digits read from its first word, all digits at
/// once rather than one by one.
enum PlainWord {
  /// The value of the field in the low `n` bytes (1...8) of `w`: `n`
  /// ASCII digits when `decimals` is 0, else digits, `mark` and exactly
  /// `decimals` digits (at least one digit before the mark), as a number
  /// of the smallest unit. -1 for any other field.
  @inline(__always) static func value(_ w: UInt64, _ n: Int, decimals: Int, mark: UInt8) -> Int64 {
    var w = w
    var n = n
    if decimals > 0 {
      // The mark's place: `decimals` digits after it, one or more before.
      let at = n &- 1 &- decimals
      guard at >= 1 && UInt8(truncatingIfNeeded: w &>> UInt64(truncatingIfNeeded: at &* 8)) == mark else { return -1 }
      // The bytes after the mark move down one place over it.
      let below = UInt64.max &>> UInt64(truncatingIfNeeded: 64 &- at &* 8)
      w = (w & below) | ((w &>> 8) & ~below)
      n &-= 1
    }
    // Each of the low n bytes less '0': a digit leaves 0...9; any other
    // byte sets a bit of its high nibble, now or after adding 6 (a byte
    // below '0' borrows, and so wraps to 0xD0 or above; only bytes above
    // the first non-digit can be changed by the borrow).
    let shift = UInt64(truncatingIfNeeded: (8 &- n) &* 8)
    let m = UInt64.max &>> shift
    let d = (w & m) &- (0x3030_3030_3030_3030 & m)
    guard (d | (d &+ 0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0 & m == 0 else { return -1 }
    // The digits to the word's top (the first, most significant digit
    // above zeros), then pairs, fours and eights combined.
    var v = d &<< shift
    v = (v &* 2561) &>> 8 & 0x00FF_00FF_00FF_00FF
    v = (v &* 6_553_601) &>> 16 & 0x0000_FFFF_0000_FFFF
    v = (v &* 42_949_672_960_001) &>> 32
    return Int64(truncatingIfNeeded: v)
  }
}

/// ASCII digits to a number, two at a time.
enum Digits {
  /// The value of `n` ASCII digits at `p`, or nil if any is not a digit.
  @inline(__always) static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
    var v: Int64 = 0
    var i = 0
    while i &+ 2 <= n {
      // Both bytes are digits exactly when each lies in 0x30...0x39: no
      // bit above the low nibble after subtracting 0x30 (the borrow of a
      // byte below 0x30 sets its high bits), and no carry into bit 4 after
      // adding 6 more.
      let w = UInt16(p[i]) | UInt16(p[i &+ 1]) << 8
      let d = w &- 0x3030
      guard d & 0xF0F0 == 0, (d &+ 0x0606) & 0xF0F0 == 0 else { return nil }
      v = v &* 100 &+ Int64(d & 0xF) &* 10 &+ Int64(d >> 8)
      i &+= 2
    }
    if i < n {
      let d = p[i] &- 48
      guard d < 10 else { return nil }
      v = v &* 10 &+ Int64(d)
    }
    return v
  }
}

/// Unaligned loads from byte buffers.
enum UnalignedLoad {
  @inline(__always) static func u64(_ p: UnsafePointer<UInt8>) -> UInt64 {
    UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
  }
}

/// A schema's record rules, checked with a switch per rule: no closure call
/// or reference counting for the declarative ones.
final class RuleSet {
  private let rules: UnsafeMutablePointer<CompiledSchema.Rule>
  private let count: Int

  /// Whether a rule calls a closure (which may read values by name).
  private let hasClosures: Bool
  /// Per rule: it is a `required` and the next the `empty` of the same
  /// column, other column and values (or the other way round): a column
  /// filled exactly when another has one of some values, one test for
  /// both. At most one of the two can break (one needs the column empty,
  /// the other filled), so which broke is told after the one test.
  private let pairedWithNext: UnsafeMutablePointer<Bool>

  init(_ compiled: [CompiledSchema.Rule]) {
    hasClosures = compiled.contains {
      switch $0 {
      case .custom, .derive, .keep: return true
      default: return false
      }
    }
    count = compiled.count
    rules = .allocate(capacity: max(count, 1))
    rules.initialize(from: compiled, count: count)
    pairedWithNext = .allocate(capacity: max(count, 1))
    pairedWithNext.initialize(repeating: false, count: max(count, 1))
    var i = 0
    while i + 1 < count {
      switch (compiled[i], compiled[i + 1]) {
      case (.required(let c, let o, let v), .empty(let c2, let o2, let v2)),
        (.empty(let c, let o, let v), .required(let c2, let o2, let v2)):
        if c == c2 && o == o2 && v.same(as: v2) {
          pairedWithNext[i] = true
          i += 2
          continue
        }
      default: break
      }
      i += 1
    }
  }

  deinit {
    rules.deinitialize(count: count)
    rules.deallocate()
    pairedWithNext.deallocate()
  }

  /// What `r` makes of the rules, in order: -1 when it keeps them all,
  /// the index of the first it breaks, or `-2 - d` when filter `d` drops
  /// it (the rules after that one are not checked).
  @inline(__always) func check(_ r: Record) -> Int {
    var i = 0
    while i < count {
      if pairedWithNext[i], case .required(let column, let other, let values) = rules[i] {
        // `required` first: it breaks when the column is empty and the
        // other has one of the values, the `empty` after it when the
        // column is filled and the other has none of them.
        let empty = r.isNull(column)
        if empty == values.contains(r[other]) {
          if hasClosures { r.columns._withUnsafeGuaranteedRef { $0.rule = -1 } }
          return empty ? i : i + 1
        }
        i += 2
        continue
      }
      if pairedWithNext[i], case .empty(let column, let other, let values) = rules[i] {
        let empty = r.isNull(column)
        if empty == values.contains(r[other]) {
          if hasClosures { r.columns._withUnsafeGuaranteedRef { $0.rule = -1 } }
          return empty ? i + 1 : i
        }
        i += 2
        continue
      }
      let ok: Bool
      switch rules[i] {
      case .sameSign(let amount, let n):
        let c = r[n]
        let a = r[amount]
        ok = c > 0 ? a >= 0 : a <= 0
      case .required(let column, let other, let values):
        ok = !r.isNull(column) || !values.contains(r[other])
      case .empty(let column, let other, let values):
        ok = r.isNull(column) || values.contains(r[other])
      case .custom(let f):
        r.columns._withUnsafeGuaranteedRef { $0.rule = i }
        ok = f(r)
      case .derive(let op):
        r.columns._withUnsafeGuaranteedRef { $0.rule = i }
        ok = op._withUnsafeGuaranteedRef { $0.apply(r) }
      case .keep(let filter, let drop):
        r.columns._withUnsafeGuaranteedRef { $0.rule = i }
        if !filter._withUnsafeGuaranteedRef({ $0.admits(r) }) {
          r.columns._withUnsafeGuaranteedRef { $0.rule = -1 }
          return -2 - drop
        }
        ok = true
      case .lookup(let join):
        ok = join._withUnsafeGuaranteedRef { $0.apply(r) }
      }
      if !ok {
        r.columns._withUnsafeGuaranteedRef { $0.rule = -1 }
        return i
      }
      i += 1
    }
    if hasClosures { r.columns._withUnsafeGuaranteedRef { $0.rule = -1 } }
    return -1
  }
}
