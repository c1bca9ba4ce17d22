internal import CLunaShims
import Foundation

/// For every entity (say, a patient), the set of finest-grain group keys it
/// was seen under: the exact data behind every distinct count.
///
/// Split into shards by the entity's hash, each with its own lock, so that
/// workers insert in parallel. Union is order-free: the contents do not
/// depend on which worker inserted what, or when.
final class EntitySets: @unchecked Sendable {
  static let shardBits = 6
  static let shardCount = 1 << shardBits
  let shards: [EntityShard]

  init() {
    shards = (0..<(1 << Self.shardBits)).map { _ in EntityShard() }
  }

  @inline(__always) static func shard(of hash: UInt64) -> Int {
    Int(hash >> UInt64(64 - shardBits))
  }

  var entityCount: Int { shards.reduce(0) { $0 + $1.count } }
  var memberCount: Int { shards.reduce(0) { $0 + $1.count + $1.overflowCount } }

  /// Calls `body` with each entity's keys (in no particular order).
  func forEachEntity(_ body: (UnsafeBufferPointer<UInt64>) -> Void) {
    var scratch: [UInt64] = []
    for s in shards { s.forEach(&scratch, body) }
  }
}

/// One shard: an open-addressing table from entity to its first key, with
/// further keys chained in side arrays (most entities have one key).
// Sendable by its lock: every insert holds `lock`; reads (forEach) come
// after the scan, when no worker inserts any more.
final class EntityShard: @unchecked Sendable {
  private(set) var count = 0
  private var capacity = 0
  private var keys: UnsafeMutablePointer<EntityKey>
  private var first: UnsafeMutablePointer<UInt64>
  private var chain: UnsafeMutablePointer<UInt32>
  private var overflowKey: [UInt64] = []
  private var overflowNext: [UInt32] = []
  let lock = NSLock()

  var overflowCount: Int { overflowKey.count }

  init() {
    capacity = 1024
    keys = .allocate(capacity: capacity)
    keys.initialize(repeating: EntityKey(lo: 0, hi: 0), count: capacity)
    first = .allocate(capacity: capacity)
    chain = .allocate(capacity: capacity)
  }

  deinit {
    keys.deallocate()
    first.deallocate()
    chain.deallocate()
  }

  /// Adds a batch of sightings. Call with `lock` held.
  ///
  /// The table is far larger than the caches for a national extract, so each
  /// insert would wait on memory; the slot of the sighting a few places
  /// ahead is prefetched while this one is inserted.
  func insert(batch: UnsafePointer<Sighting>, count n: Int) {
    while (count + n) * 10 > capacity * 7 { grow() }
    let ahead = 8
    let mask = capacity - 1
    for i in 0..<min(ahead, n) {
      let slot = Int(truncatingIfNeeded: batch[i].hash) & mask
      luna_prefetch(keys + slot)
    }
    for i in 0..<n {
      if i + ahead < n {
        let slot = Int(truncatingIfNeeded: batch[i + ahead].hash) & mask
        luna_prefetch(keys + slot)
        luna_prefetch(first + slot)
      }
      insert(batch[i].entity, hash: batch[i].hash, member: batch[i].member)
    }
  }

  /// Adds `member` to `entity`'s set. Call with `lock` held.
  @inline(__always)
  func insert(_ entity: EntityKey, hash: UInt64, member: UInt64) {
    if (count + 1) * 10 > capacity * 7 { grow() }
    let mask = capacity - 1
    var i = Int(truncatingIfNeeded: hash) & mask
    while true {
      let k = keys[i]
      if k.hi == 0 {
        // Empty slot (no key of real text has hi == 0, see EntityKey).
        keys[i] = entity
        first[i] = member
        chain[i] = 0
        count += 1
        return
      }
      if k == entity {
        if first[i] == member { return }
        var link = chain[i]
        var last = -1
        while link != 0 {
          let j = Int(link - 1)
          if overflowKey[j] == member { return }
          last = j
          link = overflowNext[j]
        }
        overflowKey.append(member)
        overflowNext.append(0)
        let newLink = UInt32(overflowKey.count)
        if last < 0 { chain[i] = newLink } else { overflowNext[last] = newLink }
        return
      }
      i = (i + 1) & mask
    }
  }

  private func grow() {
    let oldCap = capacity
    let oldKeys = keys
    let oldFirst = first
    let oldChain = chain
    capacity = oldCap * 2
    keys = .allocate(capacity: capacity)
    keys.initialize(repeating: EntityKey(lo: 0, hi: 0), count: capacity)
    first = .allocate(capacity: capacity)
    chain = .allocate(capacity: capacity)
    let mask = capacity - 1
    for j in 0..<oldCap where oldKeys[j].hi != 0 {
      var i = Int(truncatingIfNeeded: oldKeys[j].mixed) & mask
      while keys[i].hi != 0 { i = (i + 1) & mask }
      keys[i] = oldKeys[j]
      first[i] = oldFirst[j]
      chain[i] = oldChain[j]
    }
    oldKeys.deallocate()
    oldFirst.deallocate()
    oldChain.deallocate()
  }

  func forEach(_ scratch: inout [UInt64], _ body: (UnsafeBufferPointer<UInt64>) -> Void) {
    for i in 0..<capacity where keys[i].hi != 0 {
      scratch.removeAll(keepingCapacity: true)
      scratch.append(first[i])
      var link = chain[i]
      while link != 0 {
        scratch.append(overflowKey[Int(link - 1)])
        link = overflowNext[Int(link - 1)]
      }
      scratch.withUnsafeBufferPointer(body)
    }
  }
}
