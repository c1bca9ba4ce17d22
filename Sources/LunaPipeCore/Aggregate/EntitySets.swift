internal import CLunaShims
import Foundation

/// For every entity (say, a patient), the set of finest-grain groups it was
/// seen under, by their numbers in `SharedAggregate.groupIndex`: the exact
/// data behind every distinct count.
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

/// One shard: open-addressing tables from entity to its groups. The
/// groups are numbers (`SharedAggregate.groupIndex`, 4 bytes each). An
/// entity with an 8-byte form (`CompactEntity`: a hex id, a short text;
/// nearly every real key) has a 16-byte entry holding its first two
/// groups, four entries to a cache line; any other a 32-byte entry holding
/// its first three. For most entities a sighting is settled by one entry,
/// one cache line (the tables are far larger than the caches for a
/// national extract). The groups after those lie together in a block of
/// the shard's arena (a count, then 3, 7, 15 … groups, moved to a block
/// twice the size when full, freed blocks reused by size), so checking an
/// entity seen under many groups reads one run of memory, not a chain of
/// scattered links.
// Sendable by its lock: every insert holds `lock`; reads (forEach) come
// after the scan, when no worker inserts any more.
final class EntityShard: @unchecked Sendable {
  /// An inline group place not taken.
  static let none = UInt32.max

  private struct Entry {
    /// hi == 0: an empty entry (no key of real text has hi == 0, see
    /// EntityKey).
    var key: EntityKey
    /// The entity's groups: the first, and the next two or `none`.
    var m0: UInt32
    var m1: UInt32
    var m2: UInt32
    /// Where the further groups' block is in the arena (0: none yet).
    var more: UInt32
  }

  /// An entity with an 8-byte form and its first two groups.
  private struct CompactEntry {
    var key: UInt64
    /// The first group + 1 (so 0 is an empty entry), the key's kind in
    /// the top bit.
    var m0: UInt32
    /// 0: no second group; below `blockFlag`: the second group + 1; else
    /// `blockFlag` | the offset of the block of the groups after the first.
    var w1: UInt32
  }

  private static let kindBit: UInt32 = 1 << 31
  private static let blockFlag: UInt32 = 1 << 31

  /// Everything an insert changes, behind a pointer: no exclusivity
  /// checks per access, as a class's stored properties would have.
  private struct Table {
    /// The wide entries (keys without an 8-byte form) in use, of `capacity`.
    var count = 0
    var capacity = 128
    var entries: UnsafeMutablePointer<Entry>
    /// The compact entries in use, of `compactCapacity`.
    var compactCount = 0
    var compactCapacity = 256
    var compact: UnsafeMutablePointer<CompactEntry>
    /// Blocks of `2 << c` words: the group count, then the groups. Word 0
    /// is not used, so that `more == 0` means no block.
    var arena: UnsafeMutablePointer<UInt32>
    var arenaUsed = 4
    var arenaCapacity = 256
    /// Groups beyond each entity's first, for `memberCount`.
    var overflowCount = 0
    /// Per block size `4 << c` words, the first freed block of that size
    /// (its second word links to the next), or 0.
    var free: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)
  }

  private let table: UnsafeMutablePointer<Table>
  let lock = NSLock()

  /// The distinct entities.
  var count: Int { table.pointee.count + table.pointee.compactCount }
  var overflowCount: Int { table.pointee.overflowCount }

  init() {
    // Zeroed entries are empty (key.hi == 0).
    let entries = PageMemory.allocateZeroed(Entry.self, count: 128)
    table = CacheLines.allocate(1)
    table.initialize(
      to: Table(
        entries: entries, compact: PageMemory.allocateZeroed(CompactEntry.self, count: 256),
        arena: PageMemory.allocateZeroed(UInt32.self, count: 256)))
  }

  deinit {
    PageMemory.free(table.pointee.entries, count: table.pointee.capacity)
    PageMemory.free(table.pointee.compact, count: table.pointee.compactCapacity)
    PageMemory.free(table.pointee.arena, count: table.pointee.arenaCapacity)
    table.deinitialize(count: 1)
    table.deallocate()
  }

  /// Adds a batch of sightings, each one's group the number
  /// `numbers[member]`. Call with `lock` held.
  ///
  /// Each insert waits on memory for the entity's entry and, when the
  /// group is not among its first three, for its block. So the entry of
  /// the sighting 16 places ahead is prefetched (and the one after it,
  /// where a probe that collides goes next), and 8 places ahead, its entry
  /// having arrived meanwhile, the block that entry points to if needed.
  func insert(batch: UnsafePointer<Sighting>, count n: Int, numbers: UnsafePointer<UInt32>) {
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
        let s = batch + i + near
        let h = Int(truncatingIfNeeded: s.pointee.hash)
        var e = entries + (h & mask)
        if e.pointee.key != s.pointee.entity { e = entries + ((h &+ 1) & mask) }
        if e.pointee.more != 0 && e.pointee.key == s.pointee.entity {
          let g = numbers[Int(truncatingIfNeeded: s.pointee.member)]
          if e.pointee.m0 != g && e.pointee.m1 != g && e.pointee.m2 != g {
            luna_prefetch(t.pointee.arena + Int(e.pointee.more))
          }
        }
      }
      let s = batch + i
      let g = numbers[Int(truncatingIfNeeded: s.pointee.member)]
      if place(s.pointee.entity, g, hash: s.pointee.hash, entries: entries, mask: mask) { added &+= 1 }
    }
    t.pointee.count += added
  }

  /// Adds a batch of sightings of entities with an 8-byte form, as
  /// `insert(batch:count:numbers:)` does the others'. Call with `lock`
  /// held.
  func insert(batch: UnsafePointer<CompactSighting>, count n: Int, numbers: UnsafePointer<UInt32>) {
    let t = table
    while (t.pointee.compactCount + n) * 10 > t.pointee.compactCapacity * 7 { growCompact() }
    let far = 16
    let near = 8
    let mask = t.pointee.compactCapacity - 1
    let entries = t.pointee.compact
    var added = 0
    // Each sighting's hash made once, when its entry is prefetched, and
    // kept in a ring of `far` until it is added.
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: far) { ring in
      let ring = ring.baseAddress!
      for i in 0..<min(far, n) {
        ring[i] = batch[i].hash
        Self.prefetch(entries, Int(truncatingIfNeeded: ring[i]), mask)
      }
      for i in 0..<n {
        let h = ring[i & (far - 1)]
        if i + far < n {
          let next = batch[i + far].hash
          ring[i & (far - 1)] = next
          Self.prefetch(entries, Int(truncatingIfNeeded: next), mask)
        }
        if i + near < n {
          // The block hint, as for the wide entries.
          let s = batch + i + near
          let home = Int(truncatingIfNeeded: ring[(i + near) & (far - 1)])
          var e = entries + (home & mask)
          if e.pointee.key != s.pointee.key { e = entries + ((home &+ 1) & mask) }
          if e.pointee.w1 >= Self.blockFlag && e.pointee.key == s.pointee.key {
            let g = numbers[Int(truncatingIfNeeded: s.pointee.member)] &+ 1
            if e.pointee.m0 & ~Self.kindBit != g {
              luna_prefetch(t.pointee.arena + Int(e.pointee.w1 & ~Self.blockFlag))
            }
          }
        }
        let s = batch + i
        let g = numbers[Int(truncatingIfNeeded: s.pointee.member)]
        if placeCompact(s.pointee.key, kind: s.pointee.kind, g, hash: h, entries: entries, mask: mask) {
          added &+= 1
        }
      }
    }
    t.pointee.compactCount += added
  }

  /// `place` for an entity with an 8-byte form (`key`, `kind`; `hash` its
  /// `CompactEntity.hash`).
  @inline(__always)
  private func placeCompact(
    _ key: UInt64, kind: UInt32, _ g: UInt32, hash: UInt64, entries: UnsafeMutablePointer<CompactEntry>, mask: Int
  ) -> Bool {
    // Groups are numbered below 2^31 - 1 (`GroupIndex`), so g + 1 leaves
    // the top bit to the kind.
    let m0 = (g &+ 1) | kind << 31
    var j = Int(truncatingIfNeeded: hash) & mask
    while true {
      let e = entries + j
      let have = e.pointee.m0
      if have == 0 {
        e.initialize(to: CompactEntry(key: key, m0: m0, w1: 0))
        return true
      }
      if e.pointee.key == key && (have ^ m0) & Self.kindBit == 0 {
        if have != m0 { addCompact(g, to: e) }
        return false
      }
      j = (j &+ 1) & mask
    }
  }

  /// Adds group `g`, not the first of the entity of `e`, unless it has it.
  private func addCompact(_ g: UInt32, to e: UnsafeMutablePointer<CompactEntry>) {
    let w1 = e.pointee.w1
    if w1 == g &+ 1 { return }
    if w1 == 0 {
      e.pointee.w1 = g &+ 1
      table.pointee.overflowCount += 1
      return
    }
    var at: Int
    if w1 < Self.blockFlag {
      // A third group: the second moves to a new block.
      at = blockAdd(w1 &- 1, at: 0).at
    } else {
      at = Int(w1 & ~Self.blockFlag)
    }
    let (moved, found) = blockAdd(g, at: at)
    if found != 0 {
      // Swapped with the first, as the wide entries' third.
      let first = e.pointee.m0
      table.pointee.arena[moved + found] = (first & ~Self.kindBit) &- 1
      e.pointee.m0 = (g &+ 1) | (first & Self.kindBit)
      return
    }
    at = moved
    precondition(at < Int(Self.blockFlag), "more than 2,147,483,647 words of entity groups in one shard")
    e.pointee.w1 = Self.blockFlag | UInt32(at)
    table.pointee.overflowCount += 1
  }

  private func growCompact() {
    let t = table
    t.pointee.compact = Self.doubled(t.pointee.compact, capacity: t.pointee.compactCapacity, isEmpty: { $0.m0 == 0 }) {
      CompactEntity.hash($0.key, kind: $0.m0 >> 31)
    }
    t.pointee.compactCapacity *= 2
  }

  /// Adds group `g` to `entity`'s entry, or makes the entry in the first
  /// empty place of its probe: returns whether it made one (the caller
  /// counts it; the table has room).
  @inline(__always)
  private func place(
    _ entity: EntityKey, _ g: UInt32, hash: UInt64, entries: UnsafeMutablePointer<Entry>, mask: Int
  ) -> Bool {
    var j = Int(truncatingIfNeeded: hash) & mask
    while true {
      let e = entries + j
      let hi = e.pointee.key.hi
      if hi == 0 {
        e.initialize(to: Entry(key: entity, m0: g, m1: Self.none, m2: Self.none, more: 0))
        return true
      }
      if hi == entity.hi && e.pointee.key.lo == entity.lo {
        if e.pointee.m0 != g { add(g, to: e) }
        return false
      }
      j = (j &+ 1) & mask
    }
  }

  /// Prefetches the entry at `h & mask` and the one after it: where a
  /// probe that collides goes next, in the next cache line half the time.
  @inline(__always) private static func prefetch<E>(_ entries: UnsafeMutablePointer<E>, _ h: Int, _ mask: Int) {
    luna_prefetch(entries + (h & mask))
    luna_prefetch(entries + ((h &+ 1) & mask))
  }

  /// Adds group `g` to `entity`'s set (`hash` is `entity.mixed`). Call
  /// with `lock` held.
  func insert(_ entity: EntityKey, hash: UInt64, member g: UInt32) {
    let t = table
    if let c = CompactEntity.compact(entity) {
      if (t.pointee.compactCount + 1) * 10 > t.pointee.compactCapacity * 7 { growCompact() }
      if placeCompact(
        c.key, kind: c.kind, g, hash: CompactEntity.hash(c.key, kind: c.kind), entries: t.pointee.compact,
        mask: t.pointee.compactCapacity - 1)
      {
        t.pointee.compactCount += 1
      }
      return
    }
    if (t.pointee.count + 1) * 10 > t.pointee.capacity * 7 { grow() }
    if place(entity, g, hash: hash, entries: t.pointee.entries, mask: t.pointee.capacity - 1) { t.pointee.count += 1 }
  }

  /// Adds group `g`, not the first of the entity of `e`, unless it has it.
  @inline(__always)
  private func add(_ g: UInt32, to e: UnsafeMutablePointer<Entry>) {
    let m1 = e.pointee.m1
    if m1 == g { return }
    if m1 == Self.none {
      e.pointee.m1 = g
      table.pointee.overflowCount += 1
      return
    }
    let m2 = e.pointee.m2
    if m2 == g { return }
    if m2 == Self.none {
      e.pointee.m2 = g
      table.pointee.overflowCount += 1
      return
    }
    addToBlock(g, of: e)
  }

  /// Adds group `g`, none of the entry's three, to the block of `e`
  /// unless there.
  private func addToBlock(_ g: UInt32, of e: UnsafeMutablePointer<Entry>) {
    let (at, found) = blockAdd(g, at: Int(e.pointee.more))
    if found != 0 {
      // Swapped with the third inline group: the entity's next sighting
      // is most likely under the same group, and is then settled by the
      // entry alone, without waiting for the block.
      table.pointee.arena[at + found] = e.pointee.m2
      e.pointee.m2 = g
      return
    }
    e.pointee.more = UInt32(at)
    table.pointee.overflowCount += 1
  }

  /// Finds group `g` in the block at `at` (0: no block yet), newest first,
  /// or adds it there: returns the block's offset (moved when it was full)
  /// and `g`'s place in it when it was there already, else 0.
  private func blockAdd(_ g: UInt32, at start: Int) -> (at: Int, found: Int) {
    let t = table
    var at = start
    guard at != 0 else {
      at = allocateBlock(4)
      let b = t.pointee.arena + at
      b[0] = 1
      b[1] = g
      return (at, 0)
    }
    let block = t.pointee.arena + at
    let n = Int(block[0])
    // Newest first: an extract in time order sees an entity again under
    // the groups it was added with last (this year's).
    var j = n
    while j >= 1 {
      if block[j] == g { return (at, j) }
      j &-= 1
    }
    // Blocks of 4 << c words hold up to (4 << c) - 1 groups: full when
    // n + 1 is a power of two of at least 4.
    let size = n &+ 1
    if size >= 4 && size & (size &- 1) == 0 {
      let bigger = allocateBlock(size * 2)
      (t.pointee.arena + bigger).update(from: t.pointee.arena + at, count: size)
      freeBlock(at, size: size)
      at = bigger
    }
    let b = t.pointee.arena + at
    b[n &+ 1] = g
    b[0] = UInt32(n &+ 1)
    return (at, 0)
  }

  /// Size class of a block of `size` words (4 << class), or nil when
  /// larger than the free lists keep.
  @inline(__always) private static func sizeClass(_ size: Int) -> Int? {
    let c = size.trailingZeroBitCount - 2
    return c < 8 ? c : nil
  }

  private func allocateBlock(_ size: Int) -> Int {
    let t = table
    if let c = Self.sizeClass(size) {
      let head = withUnsafeMutableBytes(of: &t.pointee.free) { $0.load(fromByteOffset: c * 4, as: UInt32.self) }
      if head != 0 {
        let next = t.pointee.arena[Int(head) + 1]
        withUnsafeMutableBytes(of: &t.pointee.free) { $0.storeBytes(of: next, toByteOffset: c * 4, as: UInt32.self) }
        return Int(head)
      }
    }
    let at = t.pointee.arenaUsed
    if at + size > t.pointee.arenaCapacity {
      var c = t.pointee.arenaCapacity * 2
      while at + size > c { c *= 2 }
      precondition(c <= Int(UInt32.max), "more than 4,294,967,295 words of entity groups in one shard")
      let bigger = PageMemory.allocateZeroed(UInt32.self, count: c)
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
    let head = withUnsafeMutableBytes(of: &t.pointee.free) { $0.load(fromByteOffset: c * 4, as: UInt32.self) }
    t.pointee.arena[at + 1] = head
    withUnsafeMutableBytes(of: &t.pointee.free) { $0.storeBytes(of: UInt32(at), toByteOffset: c * 4, as: UInt32.self) }
  }

  private func grow() {
    let t = table
    t.pointee.entries = Self.doubled(t.pointee.entries, capacity: t.pointee.capacity, isEmpty: { $0.key.hi == 0 }) {
      $0.key.mixed
    }
    t.pointee.capacity *= 2
  }

  /// A table of twice `capacity` entries holding the entries of `old`
  /// (then freed), each placed by `hash`, linear probing.
  private static func doubled<E>(
    _ old: UnsafeMutablePointer<E>, capacity: Int, isEmpty: (E) -> Bool, hash: (E) -> UInt64
  ) -> UnsafeMutablePointer<E> {
    let entries = PageMemory.allocateZeroed(E.self, count: capacity * 2)
    let mask = capacity * 2 - 1
    for j in 0..<capacity where !isEmpty(old[j]) {
      var i = Int(truncatingIfNeeded: hash(old[j])) & mask
      while !isEmpty(entries[i]) { i = (i + 1) & mask }
      entries[i] = old[j]
    }
    PageMemory.free(old, count: capacity)
    return entries
  }

  /// Frees the entries and the groups, keeping the counts: after
  /// `EntityMembers` has taken them.
  func releaseStorage() {
    let t = table
    guard t.pointee.capacity > 0 else { return }
    PageMemory.free(t.pointee.entries, count: t.pointee.capacity)
    PageMemory.free(t.pointee.compact, count: t.pointee.compactCapacity)
    PageMemory.free(t.pointee.arena, count: t.pointee.arenaCapacity)
    t.pointee.entries = PageMemory.allocateZeroed(Entry.self, count: 0)
    t.pointee.compact = PageMemory.allocateZeroed(CompactEntry.self, count: 0)
    t.pointee.compactCapacity = 0
    t.pointee.arena = PageMemory.allocateZeroed(UInt32.self, count: 0)
    t.pointee.capacity = 0
    t.pointee.arenaCapacity = 0
    t.pointee.arenaUsed = 0
  }

  /// Calls `body` with each entity and its groups (the first, the rest in
  /// no particular order). After the scan.
  ///
  /// `keys: false` gives every entity as the empty key (0, 0), for a
  /// caller that needs only the groups (`EntityMembers`): an 8-byte form
  /// is then not turned back into its key.
  func forEachEntity(keys: Bool = true, _ body: (EntityKey, UnsafeBufferPointer<UInt32>) -> Void) {
    let t = table
    precondition(t.pointee.capacity > 0, "the entity set was handed to EntityMembers")
    var scratch: [UInt32] = []
    for i in 0..<t.pointee.capacity {
      let e = t.pointee.entries[i]
      guard e.key.hi != 0 else { continue }
      scratch.removeAll(keepingCapacity: true)
      scratch.append(e.m0)
      if e.m1 != Self.none { scratch.append(e.m1) }
      if e.m2 != Self.none { scratch.append(e.m2) }
      if e.more != 0 {
        let block = t.pointee.arena + Int(e.more)
        scratch.append(contentsOf: UnsafeBufferPointer(start: block + 1, count: Int(block[0])))
      }
      scratch.withUnsafeBufferPointer { body(e.key, $0) }
    }
    for i in 0..<t.pointee.compactCapacity {
      let e = t.pointee.compact[i]
      guard e.m0 != 0 else { continue }
      scratch.removeAll(keepingCapacity: true)
      scratch.append((e.m0 & ~Self.kindBit) &- 1)
      if e.w1 >= Self.blockFlag {
        let block = t.pointee.arena + Int(e.w1 & ~Self.blockFlag)
        scratch.append(contentsOf: UnsafeBufferPointer(start: block + 1, count: Int(block[0])))
      } else if e.w1 != 0 {
        scratch.append(e.w1 &- 1)
      }
      let key = keys ? CompactEntity.expand(e.key, kind: e.m0 >> 31) : EntityKey(lo: 0, hi: 0)
      scratch.withUnsafeBufferPointer { body(key, $0) }
    }
  }
}
