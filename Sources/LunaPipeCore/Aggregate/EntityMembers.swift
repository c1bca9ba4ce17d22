import Dispatch
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
/// Made from the entity sets, which it empties shard by shard as it goes:
/// it holds the same memberships in a fraction of the memory, and the run's
/// peak stays that of the sets at the end of the scan. Nothing reads the
/// sets after (only their counts).
///
/// Dense numbers follow the iteration order of `AggregateResult.groups`
/// (an immutable dictionary, so the order is fixed): group `i` of
/// `groups.enumerated()` is number `i`.
final class EntityMembers: @unchecked Sendable {
  /// One shard's entities: `members[starts[e]..<starts[e + 1]]` are entity
  /// `e`'s groups (4-byte offsets, to keep the memory small).
  struct Piece {
    var starts: [UInt32] = [0]
    var members: [UInt32] = []
  }

  let pieces: [Piece]

  /// Made by `threads` workers, each taking every `threads`-th shard
  /// (a piece depends on its shard alone, so not on `threads`). `dense`
  /// gives each group number of the sets (`SharedAggregate.groupIndex`)
  /// its dense number.
  init(consuming sets: EntitySets, dense: [Int32], threads: Int = 1) {
    let shards = sets.shards
    nonisolated(unsafe) let made = UnsafeMutableBufferPointer<Piece>.allocate(capacity: shards.count)
    made.initialize(repeating: Piece())
    defer {
      _ = made.deinitialize()
      made.deallocate()
    }
    let workers = max(1, min(threads, shards.count))
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      dense.withUnsafeBufferPointer { dense in
        for s in stride(from: w, to: shards.count, by: workers) {
          let shard = shards[s]
          var p = Piece()
          precondition(shard.count + shard.overflowCount < Int(UInt32.max), "more than 4,294,967,294 memberships in one shard")
          p.starts.reserveCapacity(shard.count + 1)
          p.members.reserveCapacity(shard.count + shard.overflowCount)
          shard.forEachEntity(keys: false) { _, groups in
            // Every sighting's group is its record's, so each has a number.
            for g in groups {
              let i = dense[Int(g)]
              if i >= 0 { p.members.append(UInt32(i)) }
            }
            p.starts.append(UInt32(p.members.count))
          }
          shard.releaseStorage()
          // Each worker writes its own shards' elements.
          made[s] = p
        }
      }
    }
    pieces = Array(made)
  }

  /// Calls `body` with the groups of each entity of the pieces `w`, `w +
  /// stride`, `w + 2 stride` … (all by default; entities are in no
  /// particular order).
  func forEachEntity(from w: Int = 0, stride by: Int = 1, _ body: (UnsafeBufferPointer<UInt32>) -> Void) {
    for i in Swift.stride(from: w, to: pieces.count, by: by) {
      pieces[i].starts.withUnsafeBufferPointer { s in
        pieces[i].members.withUnsafeBufferPointer { m in
          guard let base = m.baseAddress else { return }
          for e in 0..<(s.count - 1) {
            body(UnsafeBufferPointer(start: base + Int(s[e]), count: Int(s[e + 1] &- s[e])))
          }
        }
      }
    }
  }
}
