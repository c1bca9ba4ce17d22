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
  var memberCount: Int { shards.reduce(0) { $0 + $1.memberships } }
}

/// One shard: the set of (entity, group) pairs of the entities whose hash
/// falls in it, in two open-addressing tables: pairs whose entity has a
/// compact form (`CompactEntity`: 16 bytes, four to a cache line; nearly
/// every real key) and the others (32 bytes).
///
/// A pair's place comes from a hash of the entity *and* the group, so a
/// sighting is one probe into a table far larger than the caches whatever
/// the number of groups its entity has, and collisions mostly stay in the
/// cache line already fetched. The pairs of one entity are brought
/// together after the scan (`forEachEntity`), shard by shard.
// Sendable by its lock: every insert holds `lock`; reads (forEachEntity)
// come after the scan, when no worker inserts any more.
final class EntityShard: @unchecked Sendable {
  /// Everything an insert changes, behind a pointer: no exclusivity
  /// checks per access, as a class's stored properties would have.
  private struct Tables {
    var compact = PairTable<CompactPair>()
    var wide = PairTable<WidePair>()
    /// The distinct entities, once counted (-1: not since the last insert).
    var entities = 0
  }

  private let tables: UnsafeMutablePointer<Tables>
  let lock = NSLock()

  init() {
    tables = CacheLines.allocate(1)
    tables.initialize(to: Tables())
  }

  deinit {
    tables.pointee.compact.free()
    tables.pointee.wide.free()
    tables.deinitialize(count: 1)
    tables.deallocate()
  }

  /// The (entity, group) pairs.
  var memberships: Int { tables.pointee.compact.count + tables.pointee.wide.count }

  /// The distinct entities: counted when first asked after inserts (a
  /// pass over the pairs, as `forEachEntity` makes), kept after
  /// `releaseStorage`.
  var count: Int {
    if tables.pointee.entities < 0 { forEachEntity { _, _ in } }
    return tables.pointee.entities
  }

  /// Adds a batch of sightings of entities with a compact form, each one's
  /// group the number `numbers[member]`. Call with `lock` held.
  func insert(batch: UnsafePointer<CompactSighting>, count n: Int, numbers: UnsafePointer<UInt32>) {
    tables.pointee.entities = -1
    tables.pointee.compact.insert(count: n) { i in
      let s = batch[i]
      return CompactPair(key: s.key, tag: s.tag, group: numbers[Int(truncatingIfNeeded: s.member)])
    }
  }

  /// Adds a batch of sightings of entities without a compact form. Call
  /// with `lock` held.
  func insert(batch: UnsafePointer<Sighting>, count n: Int, numbers: UnsafePointer<UInt32>) {
    tables.pointee.entities = -1
    tables.pointee.wide.insert(count: n) { i in
      let s = batch[i]
      return WidePair(entity: s.entity, hash: s.hash, group: numbers[Int(truncatingIfNeeded: s.member)])
    }
  }

  /// Adds group `g` to `entity`'s set (`hash` is `entity.mixed`). Call
  /// with `lock` held.
  func insert(_ entity: EntityKey, hash: UInt64, member g: UInt32) {
    tables.pointee.entities = -1
    if let c = CompactEntity.compact(entity) {
      tables.pointee.compact.insert(count: 1) { _ in CompactPair(key: c.key, tag: c.tag, group: g) }
    } else {
      tables.pointee.wide.insert(count: 1) { _ in WidePair(entity: entity, hash: hash, group: g) }
    }
  }

  /// Calls `body` with each entity and its groups (in no particular
  /// order). After the scan.
  func forEachEntity(_ body: (EntityKey, UnsafeBufferPointer<UInt32>) -> Void) {
    let t = tables
    precondition(t.pointee.compact.capacity > 0, "the entity set was handed to EntityMembers")
    var scratch = GroupingScratch()
    defer { scratch.deallocate() }
    let n =
      t.pointee.compact.forEachEntity(scratch: &scratch) { p, groups in
        body(CompactEntity.expand(p.key, tag: p.tag), groups)
      } + t.pointee.wide.forEachEntity(scratch: &scratch) { p, groups in body(p.entity, groups) }
    t.pointee.entities = n
  }

  /// Calls `body` with each entity's groups, the entity itself not made
  /// (`EntityMembers` needs only the groups). After the scan.
  func forEachMembership(scratch: inout GroupingScratch, _ body: (UnsafeBufferPointer<UInt32>) -> Void) {
    let t = tables
    precondition(t.pointee.compact.capacity > 0, "the entity set was handed to EntityMembers")
    let n =
      t.pointee.compact.forEachEntity(scratch: &scratch) { _, groups in body(groups) }
      + t.pointee.wide.forEachEntity(scratch: &scratch) { _, groups in body(groups) }
    t.pointee.entities = n
  }

  /// Frees the pairs, keeping the counts: after `EntityMembers` has taken
  /// them.
  func releaseStorage() {
    _ = count
    tables.pointee.compact.release()
    tables.pointee.wide.release()
  }
}

/// A sighting of an entity with a compact form (`CompactEntity`), waiting
/// for `endChunk`: its record's group by its place of arrival among the
/// chunk's groups (see `ChunkGroups`).
struct CompactSighting {
  var key: UInt64
  var tag: UInt32
  var member: UInt32
}

/// One sighting of an entity without a compact form waiting to be added
/// to a shard: the entity, its hash, and its record's group by its place
/// of arrival among the chunk's groups.
struct Sighting {
  var entity: EntityKey
  var hash: UInt64
  var member: UInt64
}

/// An (entity, group) pair of a `PairTable`. Zeroed memory is an empty
/// place.
protocol EntityPair {
  var isEmpty: Bool { get }
  var group: UInt32 { get }
  /// Where the pair's probe starts: a hash of entity and group together.
  var pairHash: UInt64 { get }
  /// A hash of the entity alone, whose high bits are good.
  var entityHash: UInt64 { get }
  func sameEntity(as other: Self) -> Bool
  func samePair(as other: Self) -> Bool
}

/// A pair whose entity has a compact form: 16 bytes.
struct CompactPair: EntityPair {
  var key: UInt64
  /// The group in the low half, the tag (never 0) in the high half: 0 is
  /// an empty place.
  var word: UInt64

  @inline(__always) init(key: UInt64, tag: UInt32, group: UInt32) {
    self.key = key
    word = UInt64(group) | UInt64(tag) << 32
  }

  var isEmpty: Bool { @inline(__always) get { word == 0 } }
  var group: UInt32 { @inline(__always) get { UInt32(truncatingIfNeeded: word) } }
  var tag: UInt32 { UInt32(truncatingIfNeeded: word >> 32) }
  var pairHash: UInt64 { @inline(__always) get { PairHash.mix(key &+ word &* PairHash.golden) } }
  /// Multiplicative: its high bits are used.
  var entityHash: UInt64 { (key &+ (word >> 32)) &* PairHash.golden }
  @inline(__always) func sameEntity(as other: CompactPair) -> Bool {
    key == other.key && word >> 32 == other.word >> 32
  }
  @inline(__always) func samePair(as other: CompactPair) -> Bool { key == other.key && word == other.word }
}

/// A pair whose entity has no compact form: 32 bytes (a power of two, so
/// that no entry straddles two cache lines).
struct WidePair: EntityPair {
  /// hi == 0: an empty place (no key of real text has hi == 0).
  var entity: EntityKey
  var group: UInt32
  var unused: UInt32 = 0
  /// The entity's hash (`EntityKey.mixed`).
  var hash: UInt64

  @inline(__always) init(entity: EntityKey, hash: UInt64, group: UInt32) {
    self.entity = entity
    self.group = group
    self.hash = hash
  }

  var isEmpty: Bool { @inline(__always) get { entity.hi == 0 } }
  var pairHash: UInt64 { @inline(__always) get { PairHash.mix(hash &+ UInt64(group) &* PairHash.golden) } }
  var entityHash: UInt64 { hash }
  @inline(__always) func sameEntity(as other: WidePair) -> Bool { entity == other.entity }
  @inline(__always) func samePair(as other: WidePair) -> Bool { entity == other.entity && group == other.group }
}

enum PairHash {
  static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
  /// SplitMix64's finalizer: every input bit moves every output bit.
  @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
    var z = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// An open-addressing set of (entity, group) pairs, linear probing, grown
/// by doubling at a load of 0.7, on pages from `PageMemory`.
struct PairTable<P: EntityPair> {
  private(set) var entries: UnsafeMutablePointer<P>
  private(set) var capacity = 128
  private(set) var count = 0

  init() {
    entries = PageMemory.allocateZeroed(P.self, count: 128)
  }

  func free() {
    PageMemory.free(entries, count: capacity)
  }

  /// Adds the pairs `pair(0)`, `pair(1)` … `pair(n - 1)`, each unless there.
  ///
  /// Each insert waits on memory for its place (the table is far larger
  /// than the caches for a national extract), so the place of the pair 16
  /// ahead is prefetched, with the entry after it, where a probe that
  /// collides goes next; the hashes are kept in a ring meanwhile.
  @inline(__always)
  mutating func insert(count n: Int, _ pair: (Int) -> P) {
    // Room for the whole batch first, so that no insert grows the table:
    // the loop keeps the table in registers.
    while (count + n) * 10 > capacity * 7 { grow() }
    let ahead = 16
    let mask = capacity - 1
    let entries = self.entries
    var added = 0
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: ahead) { ring in
      let ring = ring.baseAddress!
      for i in 0..<min(ahead, n) {
        let h = pair(i).pairHash
        ring[i] = h
        Self.prefetch(entries, Int(truncatingIfNeeded: h), mask)
      }
      for i in 0..<n {
        let h = ring[i & (ahead - 1)]
        if i + ahead < n {
          let next = pair(i + ahead).pairHash
          ring[i & (ahead - 1)] = next
          Self.prefetch(entries, Int(truncatingIfNeeded: next), mask)
        }
        let p = pair(i)
        var j = Int(truncatingIfNeeded: h) & mask
        while true {
          let e = entries + j
          if e.pointee.isEmpty {
            e.initialize(to: p)
            added &+= 1
            break
          }
          if e.pointee.samePair(as: p) { break }
          j = (j &+ 1) & mask
        }
      }
    }
    count += added
  }

  @inline(__always) private static func prefetch(_ entries: UnsafeMutablePointer<P>, _ h: Int, _ mask: Int) {
    luna_prefetch_near(entries + (h & mask))
    luna_prefetch_near(entries + ((h &+ 1) & mask))
  }

  private mutating func grow() {
    let old = entries
    let oldCapacity = capacity
    capacity *= 2
    entries = PageMemory.allocateZeroed(P.self, count: capacity)
    let mask = capacity - 1
    for j in 0..<oldCapacity where !old[j].isEmpty {
      var i = Int(truncatingIfNeeded: old[j].pairHash) & mask
      while !entries[i].isEmpty { i = (i + 1) & mask }
      entries[i] = old[j]
    }
    PageMemory.free(old, count: oldCapacity)
  }

  /// Frees the pairs (the table is then of capacity 0, and keeps `count`).
  mutating func release() {
    guard capacity > 0 else { return }
    PageMemory.free(entries, count: capacity)
    entries = PageMemory.allocateZeroed(P.self, count: 0)
    capacity = 0
  }

  /// Calls `body` with each entity (one of its pairs) and its groups, in
  /// the order of the entities' first pairs in the table; returns the
  /// number of entities. Two passes over the pairs with a small table of
  /// the entities seen (the shard's: a few MB at most, in `scratch`, which
  /// the caller keeps for the next shard: fresh pages cost more to clear
  /// than the passes take), then one call per entity.
  func forEachEntity(scratch: inout GroupingScratch, _ body: (P, UnsafeBufferPointer<UInt32>) -> Void) -> Int {
    let n = count
    guard n > 0 else { return 0 }
    var bits = 4
    while 1 << bits < 2 * n { bits += 1 }
    let slotMask = (1 << bits) - 1
    let shift = UInt64(64 - bits)
    scratch.reserve(pairs: n, slots: 1 << bits, pairBytes: MemoryLayout<P>.stride)
    let seen = scratch.seen
    seen.update(repeating: 0, count: 1 << bits)
    let firsts = scratch.firsts.assumingMemoryBound(to: P.self)
    let starts = scratch.starts
    let entityOf = scratch.entityOf
    let members = scratch.members
    // Pass 1: each pair's entity number (in order of first pair), and how
    // many pairs each entity has (in `starts`, shifted by one).
    var entities = 0
    var k = 0
    for j in 0..<capacity where !entries[j].isEmpty {
      let p = entries[j]
      var i = Int(truncatingIfNeeded: p.entityHash >> shift)
      var e: Int
      while true {
        let x = Int(seen[i])
        if x == 0 {
          e = entities
          entities += 1
          seen[i] = UInt32(entities)
          (firsts + e).initialize(to: p)
          starts[e + 1] = 0
          break
        }
        if firsts[x - 1].sameEntity(as: p) {
          e = x - 1
          break
        }
        i = (i + 1) & slotMask
      }
      entityOf[k] = UInt32(e)
      starts[e + 1] &+= 1
      k += 1
    }
    starts[0] = 0
    for e in 0..<entities { starts[e + 1] &+= starts[e] }
    // Pass 2: the groups, entity by entity (`seen` reused as fill counts).
    let fill = seen
    fill.update(from: starts, count: entities)
    k = 0
    for j in 0..<capacity where !entries[j].isEmpty {
      let e = Int(entityOf[k])
      members[Int(fill[e])] = entries[j].group
      fill[e] &+= 1
      k += 1
    }
    for e in 0..<entities {
      body(firsts[e], UnsafeBufferPointer(start: members + Int(starts[e]), count: Int(starts[e + 1] &- starts[e])))
    }
    return entities
  }
}

/// The working memory of `PairTable.forEachEntity`, kept from one shard
/// to the next by its caller, who calls `deallocate()` once.
struct GroupingScratch {
  private(set) var seen = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
  private(set) var firsts = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
  private(set) var starts = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
  private(set) var entityOf = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
  private(set) var members = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
  private var pairs = 0
  private var slots = 1
  private var pairBytes = 0

  init() {}

  /// Room for `pairs` pairs of `pairBytes` bytes and a table of `slots`.
  mutating func reserve(pairs n: Int, slots m: Int, pairBytes b: Int) {
    if m > slots {
      seen.deallocate()
      seen = .allocate(capacity: m)
      slots = m
    }
    if n > pairs {
      let grown = max(n, pairs * 3 / 2)
      for p in [starts, entityOf, members] { p.deallocate() }
      starts = .allocate(capacity: grown + 1)
      entityOf = .allocate(capacity: grown)
      members = .allocate(capacity: grown)
      pairs = grown
    }
    if pairs * b > pairBytes {
      firsts.deallocate()
      firsts = .allocate(byteCount: pairs * b, alignment: 16)
      pairBytes = pairs * b
    }
  }

  func deallocate() {
    seen.deallocate()
    firsts.deallocate()
    starts.deallocate()
    entityOf.deallocate()
    members.deallocate()
  }
}
