import Dispatch

extension AggregateResult {
  /// Many rollups in one pass over the entity sets: the same results as
  /// `rollup` for each grouping, for a fraction of the cost when there are
  /// many (the praksisplan's tables need about twenty): each entity's keys
  /// are looked up once for all groupings, and the shards of entities are
  /// shared out over `threads` workers. Distinct counts are integer sums
  /// over shards, so the result does not depend on `threads`.
  ///
  /// - Complexity: O(groups × groupings + memberships × groupings).
  public func sharedRollups(
    _ groupings: [@Sendable ([Int64]) -> [Int64]?], threads: Int
  ) -> [[[Int64]: GroupMeasures]] {
    let n = groupings.count
    guard n > 0 else { return [] }
    let nSlots = bound.slotOps.count
    let initial = initialSlots
    // Dense index of each finest-grain key, and per key and grouping the
    // index of its group there (-1: left out).
    var dense = GroupIndex(minimumCount: groups.count)
    defer { dense.deallocate() }
    var groupOf: [Int32] = []
    groupOf.reserveCapacity(groups.count * n)
    // Per grouping and group: the slots, then (after the entity pass) the
    // first distinct count.
    var slots = [[[Int64]]](repeating: [], count: n)
    var indexOfGroup = [[[Int64]: Int]](repeating: [:], count: n)
    for (packed, sums) in groups {
      _ = dense.insert(packed)
      let key = bound.unpackKey(packed)
      for g in 0..<n {
        guard let target = groupings[g](key) else {
          groupOf.append(-1)
          continue
        }
        let index: Int
        if let i = indexOfGroup[g][target] {
          index = i
        } else {
          index = slots[g].count
          indexOfGroup[g][target] = index
          slots[g].append(initial)
        }
        groupOf.append(Int32(index))
        merge(sums, into: &slots[g][index])
      }
    }
    var distinct = slots.map { [Int64](repeating: 0, count: $0.count) }
    if let first = entities.first {
      let workers = max(1, min(threads, EntitySets.shardCount))
      let counts = (0..<workers).map { _ in CountBuffer(sizes: slots.map(\.count)) }
      let shards = first.shards
      let denseOf = dense
      let table = groupOf
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        let c = counts[w]
        var scratch: [UInt64] = []
        var seen: [(Int, Int32)] = []
        for s in stride(from: w, to: shards.count, by: workers) {
          shards[s].forEach(&scratch) { members in
            seen.removeAll(keepingCapacity: true)
            for m in members {
              let d = denseOf.index(of: m)
              guard d >= 0 else { continue }
              let base = d * n
              for g in 0..<n {
                let gi = table[base + g]
                if gi >= 0 && !seen.contains(where: { $0.0 == g && $0.1 == gi }) {
                  seen.append((g, gi))
                  c.counts[g][Int(gi)] += 1
                }
              }
            }
          }
        }
      }
      for c in counts {
        for g in 0..<n {
          for i in 0..<slots[g].count { distinct[g][i] += c.counts[g][i] }
        }
      }
    }
    return (0..<n).map { g in
      var result: [[Int64]: GroupMeasures] = [:]
      for (key, i) in indexOfGroup[g] {
        let s = slots[g][i]
        result[key] = GroupMeasures(sums: Array(s[0..<nSlots]), records: s[nSlots], distinct: distinct[g][i])
      }
      return result
    }
  }
}

/// One worker's distinct counts per grouping and group.
private final class CountBuffer: @unchecked Sendable {
  var counts: [[Int64]]
  init(sizes: [Int]) { counts = sizes.map { [Int64](repeating: 0, count: $0) } }
}
