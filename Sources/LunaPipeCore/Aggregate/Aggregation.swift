/// What to aggregate: sums of some columns and a distinct count of one, per
/// combination of key columns (as many as fit 64 bits together: each takes
/// the bits of its value range plus one code for empty).
///
/// The aggregation is computed once at the finest grain (all keys together);
/// any coarser grouping — one key, a key mapped to something else (kommune
/// to region), everything — is then a `rollup` of the result, exact for sums
/// and for distinct counts alike: an entity seen under two keys that map to
/// the same group counts once there.
///
///     let agg = Aggregation(
///       keys: ["Aar", "Speciale", "YderKommune", "PatientKommune"],
///       sums: ["Antal", "Bruttohonorar"],
///       distinct: "PatientId", when: .positive("Antal"))
public struct Aggregation: Sendable {
  /// When a record's entity counts towards the distinct count.
  public enum Condition: Sendable {
    case always
    /// Only records whose `column` is greater than zero.
    case positive(String)
  }

  public var keys: [String]
  public var sums: [String]
  public var distinct: String?
  public var condition: Condition

  public init(keys: [String], sums: [String], distinct: String? = nil, when condition: Condition = .always) {
    self.keys = keys
    self.sums = sums
    self.distinct = distinct
    self.condition = condition
  }
}

/// An aggregation resolved against a schema: column indices and key offsets.
struct BoundAggregation {
  let keyColumns: [Int]
  let keyOffsets: [Int64]
  /// Where each key's code sits in the packed key, and its code for empty
  /// (all ones in its field, above every value).
  let keyShifts: [UInt64]
  let keyNulls: [UInt64]
  let sumColumns: [Int]
  let distinctColumn: Int?
  let conditionColumn: Int?

  init(_ a: Aggregation, schema: Schema) throws {
    guard !a.keys.isEmpty else {
      throw PipelineError.configuration("an aggregation takes at least one key column")
    }
    var offsets: [Int64] = []
    var keyColumns: [Int] = []
    var shifts: [UInt64] = []
    var nulls: [UInt64] = []
    var bits: UInt64 = 0
    for k in a.keys {
      let i = try schema.requireIndex(of: k)
      guard let range = schema.columns[i].keyRange else {
        throw PipelineError.configuration(
          "column \"\(k)\" cannot be an aggregation key: keys are codes or whole numbers spanning at most 65,535 values")
      }
      keyColumns.append(i)
      offsets.append(range.lowerBound)
      // Values 0...span and the empty code span + 1.
      let span = UInt64(range.upperBound - range.lowerBound)
      let width = UInt64(64 - (span + 1).leadingZeroBitCount)
      shifts.append(bits)
      nulls.append((1 << width) - 1)
      bits += width
    }
    guard bits <= 64 else {
      throw PipelineError.configuration(
        "the key columns \(a.keys.joined(separator: ", ")) need \(bits) bits together; at most 64 fit")
    }
    self.keyColumns = keyColumns
    keyOffsets = offsets
    keyShifts = shifts
    keyNulls = nulls
    sumColumns = try a.sums.map { name in
      let i = try schema.requireIndex(of: name)
      if case .text = schema.columns[i].kind {
        throw PipelineError.configuration("column \"\(name)\" is text and cannot be summed")
      }
      return i
    }
    if let d = a.distinct {
      let i = try schema.requireIndex(of: d)
      guard case .text = schema.columns[i].kind else {
        throw PipelineError.configuration("distinct counts are over a text column; \"\(d)\" is not one")
      }
      distinctColumn = i
    } else {
      distinctColumn = nil
    }
    if case .positive(let c) = a.condition {
      conditionColumn = try schema.requireIndex(of: c)
    } else {
      conditionColumn = nil
    }
  }

  @inline(__always) func packKey(_ r: Record) -> UInt64 {
    var k: UInt64 = 0
    for i in 0..<keyColumns.count {
      let v = r[keyColumns[i]]
      // A null key (an optional column left empty) is stored as all ones.
      let code: UInt64 = v == Record.null ? keyNulls[i] : UInt64(v - keyOffsets[i])
      k |= code << keyShifts[i]
    }
    return k
  }

  func unpackKey(_ k: UInt64) -> [Int64] {
    (0..<keyColumns.count).map { i in
      let code = (k >> keyShifts[i]) & keyNulls[i]
      return code == keyNulls[i] ? Record.null : Int64(code) + keyOffsets[i]
    }
  }
}
