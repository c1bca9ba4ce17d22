import Dispatch

/// The measures of one group: sums in the order the aggregation named them,
/// the record count, and the distinct count.
public struct GroupMeasures: Sendable, Equatable {
  public var sums: [Int64]
  public var records: Int64
  public var distinct: Int64
}

/// The outcome of an aggregation, at its finest grain, from which any
/// coarser grouping is rolled up exactly.
public final class AggregateResult: @unchecked Sendable {
  public let aggregation: Aggregation
  let bound: BoundAggregation
  let groups: [UInt64: [Int64]]
  let entities: EntitySets

  init(aggregation: Aggregation, shared: SharedAggregate) {
    self.aggregation = aggregation
    bound = shared.bound
    groups = shared.groups
    entities = shared.entities
  }

  /// The distinct entities counted (over all groups).
  public var entityCount: Int { entities.entityCount }

  /// Finest-grain groups: key values in the order of `aggregation.keys`.
  public var keys: [[Int64]] { groups.keys.sorted().map(bound.unpackKey) }

  /// Groups records by `grouping` of their key values (`nil` leaves a group
  /// out) and gives each group its measures.
  ///
  /// Sums add up; a distinct count counts an entity once in a group however
  /// many of its finest-grain keys map there.
  ///
  ///     // by region of the clinic, per year and speciale
  ///     result.rollup { k in [k[0], k[1], regionOf(k[2])] }
  ///
  /// - Complexity: O(groups + entity memberships).
  public func rollup(_ grouping: ([Int64]) -> [Int64]?) -> [[Int64]: GroupMeasures] {
    var out: [GroupMeasures] = []
    var indexOfGroup: [[Int64]: Int] = [:]
    var groupOfKey: [UInt64: Int32] = [:]
    let nSums = bound.sumColumns.count
    for (packed, sums) in groups {
      guard let g = grouping(bound.unpackKey(packed)) else {
        groupOfKey[packed] = -1
        continue
      }
      let index: Int
      if let i = indexOfGroup[g] {
        index = i
      } else {
        index = out.count
        indexOfGroup[g] = index
        out.append(GroupMeasures(sums: Array(repeating: 0, count: nSums), records: 0, distinct: 0))
      }
      groupOfKey[packed] = Int32(index)
      for j in 0..<nSums { out[index].sums[j] &+= sums[j] }
      out[index].records &+= sums[nSums]
    }
    if bound.distinctColumn != nil {
      var seen: [Int32] = []
      entities.forEachEntity { members in
        seen.removeAll(keepingCapacity: true)
        for m in members {
          let g = groupOfKey[m] ?? -1
          if g >= 0 && !seen.contains(g) {
            seen.append(g)
            out[Int(g)].distinct += 1
          }
        }
      }
    }
    var result: [[Int64]: GroupMeasures] = [:]
    for (g, i) in indexOfGroup { result[g] = out[i] }
    return result
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
