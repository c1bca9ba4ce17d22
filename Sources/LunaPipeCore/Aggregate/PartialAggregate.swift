import Foundation

/// The totals shared by all workers: finest-grain sums, and entity sets.
final class SharedAggregate: @unchecked Sendable {
  let bound: BoundAggregation
  /// Per packed key: the sums, then the record count.
  var groups: [UInt64: [Int64]] = [:]
  let groupsLock = NSLock()
  let entities = EntitySets()

  init(bound: BoundAggregation) { self.bound = bound }
}

/// One worker's aggregate of the chunk in hand. Sums gather in a small table
/// and entity sightings in per-shard buffers; `endChunk` adds both to the
/// shared totals, each shard under its own lock. Integer sums and set unions
/// do not depend on order, so results are the same for any thread count.
final class PartialAggregate: ChunkConsumer {
  private let shared: SharedAggregate
  private let bound: BoundAggregation
  private let width: Int
  private var slotOfKey: [UInt64: Int] = [:]
  private var sums: [Int64] = []
  private var lastKey: UInt64 = .max
  private var lastSlot = 0
  private var pending: [[(EntityKey, UInt64, UInt64)]]

  init(shared: SharedAggregate) {
    self.shared = shared
    bound = shared.bound
    width = bound.sumColumns.count + 1
    pending = Array(repeating: [], count: shared.entities.shards.count)
  }

  func consume(_ r: Record) {
    let key = bound.packKey(r)
    let slot: Int
    if key == lastKey {
      slot = lastSlot
    } else if let s = slotOfKey[key] {
      slot = s
    } else {
      slot = sums.count
      slotOfKey[key] = slot
      sums.append(contentsOf: repeatElement(0, count: width))
    }
    lastKey = key
    lastSlot = slot
    sums.withUnsafeMutableBufferPointer { s in
      for (j, c) in bound.sumColumns.enumerated() {
        let v = r[c]
        if v != Record.null { s[slot + j] &+= v }
      }
      s[slot + width - 1] &+= 1
    }
    if let d = bound.distinctColumn {
      if let c = bound.conditionColumn, !(r[c] > 0 && r[c] != Record.null) { return }
      let e = r.key(d)
      let h = e.mixed
      pending[EntitySets.shard(of: h)].append((e, h, key))
    }
  }

  func endChunk() {
    if !slotOfKey.isEmpty {
      shared.groupsLock.lock()
      for (key, slot) in slotOfKey {
        if var g = shared.groups[key] {
          for j in 0..<width { g[j] &+= sums[slot + j] }
          shared.groups[key] = g
        } else {
          shared.groups[key] = Array(sums[slot..<slot + width])
        }
      }
      shared.groupsLock.unlock()
      slotOfKey.removeAll(keepingCapacity: true)
      sums.removeAll(keepingCapacity: true)
      lastKey = .max
    }
    for s in pending.indices where !pending[s].isEmpty {
      let shard = shared.entities.shards[s]
      shard.lock.lock()
      for (e, h, k) in pending[s] { shard.insert(e, hash: h, member: k) }
      shard.lock.unlock()
      pending[s].removeAll(keepingCapacity: true)
    }
  }
}
