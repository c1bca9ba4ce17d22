import Dispatch
import Foundation

/// The measures of one group in the form of `Aggregation(keys:sums:distinct:when:)`:
/// the slot measures (sums, and any counts, minima, maxima) in the order
/// the aggregation named them, the record count, and the first distinct
/// count. `AggregateResult.rows(by:)` gives every measure by name.
public struct GroupMeasures: Sendable, Equatable {
  /// The slot measures' values, in the aggregation's order: a sum in the
  /// column's smallest unit (øre for a decimal of scale 2), a count, or a
  /// minimum or maximum in the column's stored form (`Record.null` for none).
  public var sums: [Int64]
  /// The group's accepted records, whatever the measures' filters.
  public var records: Int64
  /// The first distinct count's value, or 0 when the aggregation has none.
  public var distinct: Int64

  /// A group's measures with these values.
  public init(sums: [Int64], records: Int64, distinct: Int64) {
    self.sums = sums
    self.records = records
    self.distinct = distinct
  }
}

/// The outcome of an aggregation, at its finest grain, from which any
/// coarser grouping is rolled up exactly.
public final class AggregateResult: @unchecked Sendable {
  /// The aggregation this is the result of.
  public let aggregation: Aggregation
  let bound: BoundAggregation
  let groups: [UInt64: [Int64]]
  /// One per distinct count.
  let entities: [EntitySets]

  /// Per distinct count, its `EntityMembers`, made on first use.
  private var memberLists: [EntityMembers?]
  private let memberListsLock = NSLock()

  /// Per group number of the entity sets (`SharedAggregate.groupIndex`),
  /// its dense number: its place in the iteration order of `groups`.
  private let dense: [Int32]

  init(aggregation: Aggregation, shared: SharedAggregate) {
    self.aggregation = aggregation
    bound = shared.bound
    groups = shared.groups()
    entities = shared.entities
    memberLists = shared.entities.map { _ in nil }
    var dense = [Int32](repeating: -1, count: shared.groupIndex.count)
    if !shared.entities.isEmpty {
      for (i, packed) in groups.keys.enumerated() { dense[shared.groupIndex.index(of: packed)] = Int32(i) }
    }
    self.dense = dense
  }

  /// The groups of each entity of distinct count `d`, as dense numbers in
  /// the iteration order of `groups`: made by the first rollup that needs
  /// them, which the others (concurrent ones wait) then reuse. Making them
  /// empties `entities[d]` (see `EntityMembers`): nothing else reads it.
  func members(_ d: Int, threads: Int = 1) -> EntityMembers {
    memberListsLock.lock()
    defer { memberListsLock.unlock() }
    if let m = memberLists[d] { return m }
    let m = EntityMembers(consuming: entities[d], dense: dense, threads: threads)
    memberLists[d] = m
    return m
  }

  /// The distinct entities of the first distinct count (over all groups).
  public var entityCount: Int { entities.first?.entityCount ?? 0 }

  /// Finest-grain groups: key values in the order of `aggregation.keys`
  /// (see `rollup` for how each kind of key is given).
  public var keys: [[Int64]] { groups.keys.sorted().map(bound.unpackKey) }

  /// The distinct values of key `i` (its position in `aggregation.keys`)
  /// over the finest-grain groups, in order, given as in `keys`: the first
  /// and last year of the data, say, without unpacking every group's key.
  public func keyValues(_ i: Int) -> [Int64] {
    precondition(bound.keyOps.indices.contains(i), "the aggregation has no key \(i)")
    var seen = Set<Int64>()
    for k in groups.keys { seen.insert(bound.unpackKey(k, key: i)) }
    return seen.sorted()
  }

  /// Adds the slots of one finest-grain group to a rolled-up group's.
  @inline(__always)
  func merge(_ slots: [Int64], into out: inout [Int64]) {
    for j in 0..<bound.slotOps.count {
      let v = slots[j]
      switch bound.slotOps[j].kind {
      case .min: if v != Record.null && (out[j] == Record.null || v < out[j]) { out[j] = v }
      case .max: if v != Record.null && (out[j] == Record.null || v > out[j]) { out[j] = v }
      default: out[j] &+= v
      }
    }
    out[bound.slotOps.count] &+= slots[bound.slotOps.count]
  }

  var initialSlots: [Int64] {
    bound.slotOps.map { $0.kind == .min || $0.kind == .max ? Record.null : 0 } + [0]
  }

  /// Groups by `grouping` of the finest-grain key values (nil leaves a
  /// group out): per group, its slots and every distinct count.
  func rollupAll(_ grouping: ([Int64]) -> [Int64]?, distincts: Range<Int>) -> [[Int64]: (slots: [Int64], distinct: [Int64])] {
    var slots: [[Int64]] = []
    var distinct: [[Int64]] = []
    var indexOfGroup: [[Int64]: Int] = [:]
    // Per finest-grain key (by its dense number, see `members`), its
    // group's index (-1: left out): looked up for every membership of
    // every entity.
    var groupOfKey = [Int32](repeating: -1, count: groups.count)
    let initial = initialSlots
    for (d, (packed, s)) in groups.enumerated() {
      guard let g = grouping(bound.unpackKey(packed)) else { continue }
      let index: Int
      if let i = indexOfGroup[g] {
        index = i
      } else {
        index = slots.count
        indexOfGroup[g] = index
        slots.append(initial)
        distinct.append([Int64](repeating: 0, count: bound.distinctOps.count))
      }
      groupOfKey[d] = Int32(index)
      merge(s, into: &slots[index])
    }
    var seen: [Int32] = []
    for d in distincts {
      // Counted per group first: `distinct[g][d]` in the loop would
      // check the nested arrays' uniqueness per membership.
      var counts = [Int64](repeating: 0, count: slots.count)
      groupOfKey.withUnsafeBufferPointer { groupOf in
        members(d).forEachEntity { members in
          if members.count == 1 {
            // Most entities: one group, nothing to tell apart.
            let g = groupOf[Int(members[0])]
            if g >= 0 { counts[Int(g)] += 1 }
            return
          }
          seen.removeAll(keepingCapacity: true)
          for m in members {
            let g = groupOf[Int(m)]
            if g >= 0 && !seen.contains(g) {
              seen.append(g)
              counts[Int(g)] += 1
            }
          }
        }
      }
      for (g, c) in counts.enumerated() { distinct[g][d] = c }
    }
    var result: [[Int64]: (slots: [Int64], distinct: [Int64])] = [:]
    for (g, i) in indexOfGroup { result[g] = (slots[i], distinct[i]) }
    return result
  }

  /// Groups records by `grouping` of their key values (`nil` leaves a group
  /// out) and gives each group its measures.
  ///
  /// Key values come in the order of the keys: numbers as themselves, a
  /// date as yyyymmdd and its year, quarter (yyyyq) or month (yyyymm), an
  /// absent value as `Record.null`, and a text key as a code that stands
  /// for its text within this result only (`rows(by:)` gives the texts).
  /// Sums add up; a distinct count counts an entity once in a group however
  /// many of its finest-grain keys map there.
  ///
  ///     // by region of the clinic, per year and speciale
  ///     result.rollup { k in [k[0], k[1], regionOf(k[2])] }
  ///
  /// - Complexity: O(groups + entity memberships).
  public func rollup(_ grouping: ([Int64]) -> [Int64]?) -> [[Int64]: GroupMeasures] {
    let all = rollupAll(grouping, distincts: 0..<min(1, entities.count))
    let n = bound.slotOps.count
    return all.mapValues { g in
      GroupMeasures(sums: Array(g.slots[0..<n]), records: g.slots[n], distinct: g.distinct.first ?? 0)
    }
  }

  /// Every measure of every group of the keys named `keys` (nil: all keys,
  /// the finest grain), rows in the order of their key values.
  ///
  ///     let byState = try result.rows(by: ["State"])
  ///     for row in byState.rows { print(row.keys[0], byState.value("customers", in: row)!) }
  public func rows(by keys: [String]? = nil) throws -> AggregateRows {
    let names = aggregation.keyNames
    let picked: [Int] = try (keys ?? names).map { k in
      guard let i = names.firstIndex(of: k) else {
        throw PipelineError.configuration(
          "the aggregation has no key \"\(k)\"; its keys are \(names.map { "\"\($0)\"" }.joined(separator: ", "))")
      }
      return i
    }
    let all = rollupAll({ k in picked.map { k[$0] } }, distincts: 0..<entities.count)
    var rows: [AggregateRows.Row] = all.map { key, g in
      let keyValues = zip(picked, key).map { bound.groupValue(key: $0, $1) }
      let values: [GroupValue] = bound.measureSlot.enumerated().map { m, slot in
        let v = slot >= 0 ? g.slots[slot] : g.distinct[-1 - slot]
        return bound.measureValueKinds[m].value(v)
      }
      return AggregateRows.Row(keys: keyValues, values: values)
    }
    rows.sort { $0.keys.lexicographicallyPrecedes($1.keys) }
    return AggregateRows(keyNames: picked.map { names[$0] }, measureNames: aggregation.measureNames, rows: rows)
  }
}

/// The groups of an aggregation at some grain: every key and measure by
/// name, rows ordered by their key values.
public struct AggregateRows: Sendable, Equatable {
  /// The names of the keys grouped by, in order.
  public let keyNames: [String]
  /// The names of the measures, in the aggregation's order.
  public let measureNames: [String]
  /// The groups, ordered by their key values (``GroupValue``'s order).
  public let rows: [Row]

  /// One group: its key values (in the order of `keyNames`) and measure
  /// values (in the order of `measureNames`).
  public struct Row: Sendable, Equatable {
    /// The group's key values, in the order of `keyNames`.
    public let keys: [GroupValue]
    /// The group's measure values, in the order of `measureNames`; `absent`
    /// for a minimum or maximum of no value.
    public let values: [GroupValue]
  }

  /// The value of the measure `name` in `row`.
  public func value(_ name: String, in row: Row) -> GroupValue? {
    measureNames.firstIndex(of: name).map { row.values[$0] }
  }

  /// The row whose key values print as `keys` (`GroupValue.description`).
  public func row(_ keys: String...) -> Row? {
    rows.first { $0.keys.map(\.description) == keys }
  }

  /// The rows as tidy CSV (RFC 4180): a header of the key and measure
  /// names, then one line per group, values written plainly (`123.45`,
  /// `2023-01-31`, absent as empty); a text value that begins like a
  /// formula (`=`, `+`, `-`, `@`) with a leading `'` (see `CSVText`).
  public var csv: String {
    var out: [UInt8] = []
    CSVText.append(row: (keyNames + measureNames).lazy.map { ($0, .text) }, delimiter: ",", to: &out)
    for r in rows {
      CSVText.append(row: (r.keys + r.values).lazy.map { ($0.description, $0.csvKind) }, delimiter: ",", to: &out)
    }
    return String(decoding: out, as: UTF8.self)
  }
}

extension GroupValue {
  /// What the value is to a CSV writer: a text column's value is text,
  /// every other (a number, a date, a code's digits) a value.
  var csvKind: CSVText.Kind {
    if case .text = self { return .text }
    return .value
  }
}

extension AggregateResult {
  /// Several rollups at once, `threads` of them in parallel (each is one
  /// pass over the entity sets). Results in the order of `groupings`.
  public func rollups(
    _ groupings: [@Sendable ([Int64]) -> [Int64]?], threads: Int
  ) -> [[[Int64]: GroupMeasures]] {
    nonisolated(unsafe) let results = UnsafeMutableBufferPointer<[[Int64]: GroupMeasures]>.allocate(
      capacity: groupings.count)
    results.initialize(repeating: [:])
    defer {
      // The results are copied out by `Array(results)`: release the buffer's.
      _ = results.deinitialize()
      results.deallocate()
    }
    let queue = DispatchQueue(label: "rollups", attributes: .concurrent)
    let group = DispatchGroup()
    let slots = DispatchSemaphore(value: max(1, threads))
    for (i, grouping) in groupings.enumerated() {
      slots.wait()
      queue.async(group: group) {
        // Each task writes its own element: no two tasks share one.
        results[i] = self.rollup(grouping)
        slots.signal()
      }
    }
    group.wait()
    return Array(results)
  }
}
