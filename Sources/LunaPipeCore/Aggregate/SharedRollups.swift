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
    // (Dense numbers are those of `members`: the order of `groups`.)
    var groupOf: [Int32] = []
    groupOf.reserveCapacity(groups.count * n)
    // Per grouping and group: the slots, then (after the entity pass) the
    // first distinct count.
    var slots = [[[Int64]]](repeating: [], count: n)
    var indexOfGroup = [[[Int64]: Int]](repeating: [:], count: n)
    for (packed, sums) in groups {
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
    if !entities.isEmpty {
      let lists = members(0, threads: threads)
      let workers = max(1, min(threads, EntitySets.shardCount))
      // Per worker, every grouping's groups' counts in one flat buffer:
      // grouping g's start at `offsets[g]`.
      var offsets: [Int] = [0]
      for g in 0..<n { offsets.append(offsets[g] + slots[g].count) }
      let width = offsets[n]
      let counts = (0..<workers).map { _ in CountBuffer(count: width) }
      let table = groupOf
      let starts = offsets
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        let c = counts[w].counts
        var seen: [Int32] = []
        table.withUnsafeBufferPointer { table in
          lists.forEachEntity(from: w, stride: workers) { members in
            // Grouping by grouping, so that `seen` holds one grouping's
            // groups of this entity: a few, not all groupings' together.
            for g in 0..<n {
              let counts = c + starts[g]
              if members.count == 1 {
                let gi = table[Int(members[0]) * n + g]
                if gi >= 0 { counts[Int(gi)] += 1 }
                continue
              }
              seen.removeAll(keepingCapacity: true)
              for m in members {
                let gi = table[Int(m) * n + g]
                if gi >= 0 && !seen.contains(gi) {
                  seen.append(gi)
                  counts[Int(gi)] += 1
                }
              }
            }
          }
        }
      }
      for c in counts {
        for g in 0..<n {
          for i in 0..<slots[g].count { distinct[g][i] += c.counts[offsets[g] + i] }
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

/// One worker's distinct counts per grouping and group, flat.
private final class CountBuffer: @unchecked Sendable {
  let counts: UnsafeMutablePointer<Int64>
  init(count: Int) {
    counts = .allocate(capacity: max(count, 1))
    counts.initialize(repeating: 0, count: max(count, 1))
  }
  deinit { counts.deallocate() }
}
