import Foundation

/// The totals shared by all workers: finest-grain sums, and entity sets.
final class SharedAggregate: @unchecked Sendable {
  let bound: BoundAggregation
  /// Per packed key: the sums, then the record count.
  var groups: [UInt64: [Int64]] = [:]
  let groupsLock = NSLock()
  /// Set when a sum passed Int64: the result cannot be exact.
  var overflowedColumn: Int?
  let entities = EntitySets()
  private var nextStartShard = 0

  init(bound: BoundAggregation) { self.bound = bound }

  /// Where a worker starts adding its shards, so that two workers ending a
  /// chunk together do not queue on the same locks.
  func startShard() -> Int {
    groupsLock.lock()
    defer { groupsLock.unlock() }
    nextStartShard = (nextStartShard + EntitySets.shardCount / 2) % EntitySets.shardCount
    return nextStartShard
  }
}

/// One entity sighting waiting to be added to a shard.
struct Sighting {
  var entity: EntityKey
  var hash: UInt64
  var member: UInt64
}

/// One worker's aggregate of the chunk in hand. Sums gather in a small table
/// and entity sightings in per-shard buffers; `endChunk` adds both to the
/// shared totals, each shard under its own lock. Integer sums and set unions
/// do not depend on order, so results are the same for any thread count.
final class PartialAggregate: ChunkConsumer {
  private let shared: SharedAggregate
  /// The sum column that passed Int64 in this worker, if any.
  private var overflowedColumn: Int?
  /// Where, for the scan's error: the first limit hit since the last call.
  private var limitHit: LimitHit?
  // Column positions as raw pointers: no reference counting per record.
  private let keyColumns: UnsafeMutablePointer<Int>
  private let keyOffsets: UnsafeMutablePointer<Int64>
  private let keyShifts: UnsafeMutablePointer<UInt64>
  private let keyNulls: UnsafeMutablePointer<UInt64>
  private let keyCount: Int
  private let sumColumns: UnsafeMutablePointer<Int>
  private let sumCount: Int
  private let distinctColumn: Int
  private let conditionColumn: Int
  private let width: Int

  private var slotOfKey: [UInt64: Int] = [:]
  private var sums: UnsafeMutablePointer<Int64>
  private var sumsCapacity = 64
  private var sumsUsed = 0
  private var lastKey: UInt64 = .max
  private var lastSlot = 0

  private let pending: UnsafeMutablePointer<UnsafeMutablePointer<Sighting>>
  private let pendingCount: UnsafeMutablePointer<Int>
  private let pendingCapacity: UnsafeMutablePointer<Int>

  init(shared: SharedAggregate) {
    self.shared = shared
    let b = shared.bound
    keyCount = b.keyColumns.count
    keyColumns = .allocate(capacity: keyCount)
    keyColumns.initialize(from: b.keyColumns, count: keyCount)
    keyOffsets = .allocate(capacity: keyCount)
    keyOffsets.initialize(from: b.keyOffsets, count: keyCount)
    keyShifts = .allocate(capacity: keyCount)
    keyShifts.initialize(from: b.keyShifts, count: keyCount)
    keyNulls = .allocate(capacity: keyCount)
    keyNulls.initialize(from: b.keyNulls, count: keyCount)
    sumCount = b.sumColumns.count
    sumColumns = .allocate(capacity: max(sumCount, 1))
    sumColumns.initialize(from: b.sumColumns, count: sumCount)
    distinctColumn = b.distinctColumn ?? -1
    conditionColumn = b.conditionColumn ?? -1
    width = sumCount + 1
    sums = .allocate(capacity: sumsCapacity * width)
    let n = EntitySets.shardCount
    pending = .allocate(capacity: n)
    pendingCount = .allocate(capacity: n)
    pendingCapacity = .allocate(capacity: n)
    for s in 0..<n {
      pending[s] = .allocate(capacity: 1024)
      pendingCount[s] = 0
      pendingCapacity[s] = 1024
    }
  }

  deinit {
    for s in 0..<EntitySets.shardCount { pending[s].deallocate() }
    pending.deallocate()
    pendingCount.deallocate()
    pendingCapacity.deallocate()
    keyColumns.deallocate()
    keyOffsets.deallocate()
    keyShifts.deallocate()
    keyNulls.deallocate()
    sumColumns.deallocate()
    sums.deallocate()
  }

  func consume(_ r: Record) {
    var key: UInt64 = 0
    for i in 0..<keyCount {
      let v = r[keyColumns[i]]
      let code: UInt64 = v == Record.null ? keyNulls[i] : UInt64(v &- keyOffsets[i])
      key |= code << keyShifts[i]
    }
    let slot: Int
    if key == lastKey {
      slot = lastSlot
    } else if let s = slotOfKey[key] {
      slot = s
    } else {
      if sumsUsed == sumsCapacity {
        let bigger = UnsafeMutablePointer<Int64>.allocate(capacity: sumsCapacity * 2 * width)
        bigger.update(from: sums, count: sumsUsed * width)
        sums.deallocate()
        sums = bigger
        sumsCapacity *= 2
      }
      slot = sumsUsed * width
      sumsUsed += 1
      (sums + slot).initialize(repeating: 0, count: width)
      slotOfKey[key] = slot
    }
    lastKey = key
    lastSlot = slot
    let s = sums + slot
    for j in 0..<sumCount {
      let v = r[sumColumns[j]]
      if v != Record.null {
        let (x, o) = s[j].addingReportingOverflow(v)
        s[j] = x
        if o {
          overflowedColumn = j
          if limitHit == nil { limitHit = LimitHit(column: sumColumns[j], record: r.ordinal) }
        }
      }
    }
    s[sumCount] &+= 1
    if distinctColumn >= 0 {
      if conditionColumn >= 0 && r[conditionColumn] <= 0 { return }
      // An empty optional id is absent: no entity (its key would be the
      // previous record's).
      if r[distinctColumn] == Record.null { return }
      let e = r.key(distinctColumn)
      let h = e.mixed
      let shard = EntitySets.shard(of: h)
      let n = pendingCount[shard]
      if n == pendingCapacity[shard] {
        let bigger = UnsafeMutablePointer<Sighting>.allocate(capacity: n * 2)
        bigger.initialize(from: pending[shard], count: n)
        pending[shard].deallocate()
        pending[shard] = bigger
        pendingCapacity[shard] = n * 2
      }
      (pending[shard] + n).initialize(to: Sighting(entity: e, hash: h, member: key))
      pendingCount[shard] = n + 1
    }
  }

  func takeLimitHit() -> LimitHit? {
    defer { limitHit = nil }
    return limitHit
  }

  func endChunk() {
    if !slotOfKey.isEmpty {
      shared.groupsLock.lock()
      for (key, slot) in slotOfKey {
        let s = sums + slot
        if var g = shared.groups[key] {
          for j in 0..<width {
            let (x, o) = g[j].addingReportingOverflow(s[j])
            g[j] = x
            if o {
              shared.overflowedColumn = j
              if limitHit == nil && j < sumCount { limitHit = LimitHit(column: sumColumns[j], record: nil) }
            }
          }
          shared.groups[key] = g
        } else {
          shared.groups[key] = Array(UnsafeBufferPointer(start: s, count: width))
        }
      }
      if let j = overflowedColumn { shared.overflowedColumn = j }
      shared.groupsLock.unlock()
      slotOfKey.removeAll(keepingCapacity: true)
      sumsUsed = 0
      lastKey = .max
    }
    let n = EntitySets.shardCount
    let start = shared.startShard()
    for k in 0..<n {
      let s = (start + k) % n
      let count = pendingCount[s]
      guard count > 0 else { continue }
      let shard = shared.entities.shards[s]
      let p = pending[s]
      shard.lock.lock()
      shard.insert(batch: p, count: count)
      shard.lock.unlock()
      pendingCount[s] = 0
    }
  }
}
