import Foundation

/// Every entity's finest-grain groups as dense group numbers, packed one
/// entity after another: what each rollup's distinct count walks.
///
/// A rollup used to walk the entity sets themselves and hash every member
/// key to find its group; the praksisplan makes some twenty rollups of the
/// same result (and the age figures six more, one after another), so the
/// walk and the hashing were paid each time. Made once, this is a plain
/// sequential read of 4 bytes per membership.
///
/// Dense numbers follow the iteration order of `AggregateResult.groups`
/// (an immutable dictionary, so the order is fixed): group `i` of
/// `groups.enumerated()` is number `i`.
final class EntityMembers: @unchecked Sendable {
  /// `members[starts[e]..<starts[e + 1]]` are entity `e`'s groups.
  let starts: [Int]
  let members: [UInt32]

  init(_ sets: EntitySets, groups: [UInt64: [Int64]]) {
    var dense = GroupIndex(minimumCount: groups.count)
    defer { dense.deallocate() }
    for (packed, _) in groups { _ = dense.insert(packed) }
    var starts: [Int] = [0]
    starts.reserveCapacity(sets.entityCount + 1)
    var members: [UInt32] = []
    members.reserveCapacity(sets.memberCount)
    sets.forEachEntity { keys in
      for k in keys {
        // Every sighting's key is its record's group, so each is found.
        let i = dense.index(of: k)
        if i >= 0 { members.append(UInt32(i)) }
      }
      starts.append(members.count)
    }
    self.starts = starts
    self.members = members
  }

  var entityCount: Int { starts.count - 1 }

  /// Calls `body` with the groups of each entity in `entities` (all by
  /// default; entities are in no particular order).
  func forEachEntity(in entities: Range<Int>? = nil, _ body: (UnsafeBufferPointer<UInt32>) -> Void) {
    starts.withUnsafeBufferPointer { s in
      members.withUnsafeBufferPointer { m in
        guard let base = m.baseAddress else { return }
        for e in entities ?? 0..<(s.count - 1) {
          body(UnsafeBufferPointer(start: base + s[e], count: s[e + 1] - s[e]))
        }
      }
    }
  }
}
