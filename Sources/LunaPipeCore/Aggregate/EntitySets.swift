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
}

/// One shard: an open-addressing table from entity to its keys. An entry
/// holds the entity, its first key and where its further keys are: one
/// 32-byte entry, so a probe touches one cache line (the table is far
/// larger than the caches for a national extract). Further keys lie
/// together in a block of the shard's arena (2, 4, 8 … keys, moved to a
/// block twice the size when full, freed blocks reused by size), so
/// checking a patient seen under many keys reads one run of memory, not a
/// chain of scattered links.
// Sendable by its lock: every insert holds `lock`; reads (forEach) come
// after the scan, when no worker inserts any more.
final class EntityShard: @unchecked Sendable {
  private struct Entry {
    /// hi == 0: an empty entry (no key of real text has hi == 0, see
    /// EntityKey).
    var key: EntityKey
    var first: UInt64
    /// The entity's further keys: `moreCount` of them at `arena + more`.
    var more: UInt32
    var moreCount: UInt32
  }

  /// Everything an insert changes, behind a pointer: no exclusivity
  /// checks per access, as a class's stored properties would have.
  private struct Table {
    var count = 0
    var capacity = 128
    var entries: UnsafeMutablePointer<Entry>
    var arena: UnsafeMutablePointer<UInt64>
    var arenaUsed = 0
    var arenaCapacity = 128
    /// Keys in blocks, for `memberCount`.
    var overflowCount = 0
    /// Per block size 2 << i, the first freed block of that size (its
    /// first word links to the next), or -1.
    var free: (Int, Int, Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1, -1, -1)
  }

  private let table: UnsafeMutablePointer<Table>
  let lock = NSLock()

  var count: Int { table.pointee.count }
  var overflowCount: Int { table.pointee.overflowCount }

  init() {
    // Zeroed entries are empty (key.hi == 0).
    let entries = PageMemory.allocateZeroed(Entry.self, count: 128)
    table = CacheLines.allocate(1)
    table.initialize(to: Table(entries: entries, arena: PageMemory.allocateZeroed(UInt64.self, count: 128)))
  }

  deinit {
    PageMemory.free(table.pointee.entries, count: table.pointee.capacity)
    PageMemory.free(table.pointee.arena, count: table.pointee.arenaCapacity)
    table.deinitialize(count: 1)
    table.deallocate()
  }

  /// Adds a batch of sightings. Call with `lock` held.
  ///
  /// Each insert would wait on memory twice: for the entity's entry and,
  /// when it has further keys, for their block. So the entry of the
  /// sighting 16 places ahead is prefetched, and 8 places ahead, its entry
  /// having arrived meanwhile, the block that entry points to.
  func insert(batch: UnsafePointer<Sighting>, count n: Int) {
    let t = table
    // Room for the whole batch (it adds at most `n` entities), so no
    // insert of it grows the table: the loop keeps the table in registers.
    while (t.pointee.count + n) * 10 > t.pointee.capacity * 7 { grow() }
    let far = 16
    let near = 8
    let mask = t.pointee.capacity - 1
    let entries = t.pointee.entries
    for i in 0..<min(far, n) {
      Self.prefetch(entries, Int(truncatingIfNeeded: batch[i].hash), mask)
    }
    var added = 0
    for i in 0..<n {
      if i + far < n {
        Self.prefetch(entries, Int(truncatingIfNeeded: batch[i + far].hash), mask)
      }
      if i + near < n {
        // Only a hint: the entity's entry is at home or the next place in
        // most cases (both prefetched; a wrong guess costs nothing). The
        // arena is read afresh, as an insert may have moved it.
        let h = Int(truncatingIfNeeded: batch[i + near].hash)
        var e = entries + (h & mask)
        if e.pointee.key != batch[i + near].entity { e = entries + ((h &+ 1) & mask) }
        if e.pointee.moreCount > 0 && e.pointee.first != batch[i + near].member && e.pointee.key == batch[i + near].entity {
          luna_prefetch(t.pointee.arena + Int(e.pointee.more))
        }
      }
      let s = batch + i
      let member = s.pointee.member
      var j = Int(truncatingIfNeeded: s.pointee.hash) & mask
      while true {
        let e = entries + j
        let hi = e.pointee.key.hi
        if hi == 0 {
          e.initialize(to: Entry(key: s.pointee.entity, first: member, more: 0, moreCount: 0))
          added &+= 1
          break
        }
        if hi == s.pointee.entity.hi && e.pointee.key.lo == s.pointee.entity.lo {
          if e.pointee.first != member { addToBlock(member, of: e) }
          break
        }
        j = (j &+ 1) & mask
      }
    }
    t.pointee.count += added
  }

  /// Prefetches the entry at `h & mask` and the one after it: where a
  /// probe that collides goes next, in the next cache line half the time.
  @inline(__always) private static func prefetch(_ entries: UnsafeMutablePointer<Entry>, _ h: Int, _ mask: Int) {
    luna_prefetch(entries + (h & mask))
    luna_prefetch(entries + ((h &+ 1) & mask))
  }

  /// Adds `member` to `entity`'s set. Call with `lock` held.
  @inline(__always)
  func insert(_ entity: EntityKey, hash: UInt64, member: UInt64) {
    let t = table
    if (t.pointee.count + 1) * 10 > t.pointee.capacity * 7 { grow() }
    let mask = t.pointee.capacity - 1
    let entries = t.pointee.entries
    var i = Int(truncatingIfNeeded: hash) & mask
    while true {
      let e = entries + i
      let k = e.pointee.key
      if k.hi == 0 {
        e.initialize(to: Entry(key: entity, first: member, more: 0, moreCount: 0))
        t.pointee.count += 1
        return
      }
      if k == entity {
        if e.pointee.first != member { addToBlock(member, of: e) }
        return
      }
      i = (i + 1) & mask
    }
  }

  /// Adds `member`, not the first key of the entity of `e`, to its
  /// further keys unless there already.
  @inline(__always)
  private func addToBlock(_ member: UInt64, of e: UnsafeMutablePointer<Entry>) {
    let n = Int(e.pointee.moreCount)
    let block = table.pointee.arena + Int(e.pointee.more)
    // Newest first: an extract in time order sees an entity again
    // under the keys it was added with last (this year's).
    var j = n &- 1
    while j >= 0 {
      if block[j] == member {
        // Moved to the front: the entity's next sighting is most
        // likely under the same key, and is then settled by the
        // entry alone, without waiting for the block.
        block[j] = e.pointee.first
        e.pointee.first = member
        return
      }
      j &-= 1
    }
    addMore(member, to: e, count: n)
  }

  /// Appends `member` to the block of `e`, which holds `n` keys, moving
  /// the block to one twice the size when it is full.
  private func addMore(_ member: UInt64, to e: UnsafeMutablePointer<Entry>, count n: Int) {
    let t = table
    // Blocks hold 2, 4, 8 … keys: a block is full when n is 0 or a power
    // of two of at least 2.
    if n == 0 || (n >= 2 && n & (n - 1) == 0) {
      let size = n == 0 ? 2 : n * 2
      let at = allocateBlock(size)
      if n > 0 {
        let old = Int(e.pointee.more)
        (t.pointee.arena + at).update(from: t.pointee.arena + old, count: n)
        freeBlock(old, size: n)
      }
      e.pointee.more = UInt32(at)
    }
    t.pointee.arena[Int(e.pointee.more) + n] = member
    precondition(n < Int(UInt32.max), "an entity under more than 4,294,967,295 keys")
    e.pointee.moreCount = UInt32(n + 1)
    t.pointee.overflowCount += 1
  }

  /// Size class of a block of `size` keys (2 << class), or nil when larger
  /// than the free lists keep.
  @inline(__always) private static func sizeClass(_ size: Int) -> Int? {
    let c = size.trailingZeroBitCount - 1
    return c < 8 ? c : nil
  }

  private func allocateBlock(_ size: Int) -> Int {
    let t = table
    if let c = Self.sizeClass(size) {
      let head = withUnsafeMutableBytes(of: &t.pointee.free) { $0.load(fromByteOffset: c * 8, as: Int.self) }
      if head >= 0 {
        let next = Int(Int64(bitPattern: t.pointee.arena[head]))
        withUnsafeMutableBytes(of: &t.pointee.free) { $0.storeBytes(of: next, toByteOffset: c * 8, as: Int.self) }
        return head
      }
    }
    let at = t.pointee.arenaUsed
    if at + size > t.pointee.arenaCapacity {
      var c = t.pointee.arenaCapacity * 2
      while at + size > c { c *= 2 }
      precondition(c <= Int(UInt32.max), "more than 4,294,967,295 entity keys in one shard")
      let bigger = PageMemory.allocateZeroed(UInt64.self, count: c)
      bigger.update(from: t.pointee.arena, count: at)
      PageMemory.free(t.pointee.arena, count: t.pointee.arenaCapacity)
      t.pointee.arena = bigger
      t.pointee.arenaCapacity = c
    }
    t.pointee.arenaUsed = at + size
    return at
  }

  private func freeBlock(_ at: Int, size: Int) {
    let t = table
    guard let c = Self.sizeClass(size) else { return }
    let head = withUnsafeMutableBytes(of: &t.pointee.free) { $0.load(fromByteOffset: c * 8, as: Int.self) }
    t.pointee.arena[at] = UInt64(bitPattern: Int64(head))
    withUnsafeMutableBytes(of: &t.pointee.free) { $0.storeBytes(of: at, toByteOffset: c * 8, as: Int.self) }
  }

  private func grow() {
    let t = table
    let oldCapacity = t.pointee.capacity
    let old = t.pointee.entries
    let capacity = oldCapacity * 2
    let entries = PageMemory.allocateZeroed(Entry.self, count: capacity)
    let mask = capacity - 1
    for j in 0..<oldCapacity where old[j].key.hi != 0 {
      var i = Int(truncatingIfNeeded: old[j].key.mixed) & mask
      while entries[i].key.hi != 0 { i = (i + 1) & mask }
      entries[i] = old[j]
    }
    PageMemory.free(old, count: oldCapacity)
    t.pointee.entries = entries
    t.pointee.capacity = capacity
  }

  /// Frees the entries and the keys, keeping the counts: after
  /// `EntityMembers` has taken them.
  func releaseStorage() {
    let t = table
    guard t.pointee.capacity > 0 else { return }
    PageMemory.free(t.pointee.entries, count: t.pointee.capacity)
    PageMemory.free(t.pointee.arena, count: t.pointee.arenaCapacity)
    t.pointee.entries = PageMemory.allocateZeroed(Entry.self, count: 0)
    t.pointee.arena = PageMemory.allocateZeroed(UInt64.self, count: 0)
    t.pointee.capacity = 0
    t.pointee.arenaCapacity = 0
    t.pointee.arenaUsed = 0
  }

  /// Calls `body` with each entity and its keys (the first, then the
  /// further ones). After the scan.
  func forEachEntity(_ body: (EntityKey, UInt64, UnsafeBufferPointer<UInt64>) -> Void) {
    let t = table
    precondition(t.pointee.capacity > 0, "the entity set was handed to EntityMembers")
    for i in 0..<t.pointee.capacity {
      let e = t.pointee.entries[i]
      guard e.key.hi != 0 else { continue }
      body(e.key, e.first, UnsafeBufferPointer(start: t.pointee.arena + Int(e.more), count: Int(e.moreCount)))
    }
  }

  func forEach(_ scratch: inout [UInt64], _ body: (UnsafeBufferPointer<UInt64>) -> Void) {
    let t = table
    precondition(t.pointee.capacity > 0, "the entity set was handed to EntityMembers")
    for i in 0..<t.pointee.capacity {
      let e = t.pointee.entries[i]
      guard e.key.hi != 0 else { continue }
      scratch.removeAll(keepingCapacity: true)
      scratch.append(e.first)
      if e.moreCount > 0 {
        scratch.append(contentsOf: UnsafeBufferPointer(start: t.pointee.arena + Int(e.more), count: Int(e.moreCount)))
      }
      scratch.withUnsafeBufferPointer(body)
    }
  }
}
