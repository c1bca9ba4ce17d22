internal import CLunaShims
import Foundation

/// The totals shared by all workers: finest-grain slots, and entity sets.
final class SharedAggregate: @unchecked Sendable {
  let bound: BoundAggregation
  /// Per packed key its group's number, and per number (`width` values
  /// each) the slot measures (`BoundAggregation.slotOps`), then the record
  /// count. Held flat while workers add to them, each chunk's groups at a
  /// hash by one multiplication (a `Dictionary` of arrays cost a SipHash
  /// lookup and an array per group and chunk); `groups()` gives them keyed.
  private(set) var groupIndex = GroupIndex()
  private(set) var groupSlots: [Int64] = []
  let width: Int
  let groupsLock = NSLock()
  /// Set when a sum passed Int64: the slot whose result cannot be exact.
  var overflowedSlot: Int?
  /// One per distinct count, in the order of `bound.distinctOps`.
  let entities: [EntitySets]
  private var nextStartShard = 0

  init(bound: BoundAggregation) {
    self.bound = bound
    width = bound.slotOps.count + 1
    entities = bound.distinctOps.map { _ in EntitySets() }
  }

  deinit { groupIndex.deallocate() }

  /// The number of `key`'s group, a new one's slots copied from `slots`,
  /// and whether it is new. Call with `groupsLock` held.
  func group(_ key: UInt64, new slots: UnsafeMutablePointer<Int64>) -> (number: Int, inserted: Bool) {
    // Numbers below 2^31 (`GroupIndex`): the entity sets hold them in 32
    // bits, `EntityShard.none` apart.
    let (g, inserted) = groupIndex.insert(key)
    if inserted { groupSlots.append(contentsOf: UnsafeBufferPointer(start: slots, count: width)) }
    return (g, inserted)
  }

  /// Calls `body` with every group's slots, `width` each in order of
  /// their numbers. Call with `groupsLock` held.
  func withAllSlots<R>(_ body: (UnsafeMutablePointer<Int64>) -> R) -> R {
    groupSlots.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
  }

  /// Calls `body` with group `g`'s slots. Call with `groupsLock` held.
  func withSlots<R>(of g: Int, _ body: (UnsafeMutableBufferPointer<Int64>) -> R) -> R {
    groupSlots.withUnsafeMutableBufferPointer { all in
      body(UnsafeMutableBufferPointer(rebasing: all[(g * width)..<((g + 1) * width)]))
    }
  }

  /// Adds the slots `s` of some records of a group to the group's slots
  /// `g`: sums and counts add, minima and maxima keep the smaller and the
  /// larger. Returns the slot whose sum passed Int64, if one did.
  func add(_ s: UnsafePointer<Int64>, into g: UnsafeMutableBufferPointer<Int64>) -> Int? {
    var overflowed: Int?
    let ops = bound.slotOps
    for j in 0..<width {
      let kind = j < ops.count ? ops[j].kind : .count
      switch kind {
      case .min:
        if s[j] != Record.null && (g[j] == Record.null || s[j] < g[j]) { g[j] = s[j] }
      case .max:
        if s[j] != Record.null && (g[j] == Record.null || s[j] > g[j]) { g[j] = s[j] }
      default:
        let (x, o) = g[j].addingReportingOverflow(s[j])
        g[j] = x
        if o { overflowed = j }
      }
    }
    return overflowed
  }

  /// Adds the sightings waiting in `p` to the entity sets of distinct
  /// count `d`, each shard under its lock, and empties `p`. A sighting's
  /// group is `numbers[member]`.
  func flush(_ p: PendingSightings, distinct d: Int, numbers: UnsafePointer<UInt32>) {
    let n = EntitySets.shardCount
    let start = startShard()
    for k in 0..<n {
      let s = (start + k) % n
      let compact = p.compact.counts[s], wide = p.wide.counts[s]
      guard compact + wide > 0 else { continue }
      let shard = entities[d].shards[s]
      shard.lock.lock()
      if compact > 0 { shard.insert(batch: p.compact.buffers[s], count: compact, numbers: numbers) }
      if wide > 0 { shard.insert(batch: p.wide.buffers[s], count: wide, numbers: numbers) }
      shard.lock.unlock()
      p.compact.counts[s] = 0
      p.wide.counts[s] = 0
    }
  }

  /// Per packed key: the slot measures, then the record count. After the
  /// scan.
  func groups() -> [UInt64: [Int64]] {
    var out: [UInt64: [Int64]] = [:]
    out.reserveCapacity(groupIndex.count)
    for g in 0..<groupIndex.count {
      out[groupIndex.keys[g]] = Array(groupSlots[(g * width)..<((g + 1) * width)])
    }
    return out
  }

  /// Where a worker starts adding its shards, so that two workers ending a
  /// chunk together do not queue on the same locks.
  func startShard() -> Int {
    groupsLock.lock()
    defer { groupsLock.unlock() }
    nextStartShard = (nextStartShard + EntitySets.shardCount / 2) % EntitySets.shardCount
    return nextStartShard
  }
}

/// One sighting of an entity without an 8-byte form waiting to be added
/// to a shard: the entity, its hash, and its record's group by its place
/// of arrival among the chunk's groups, numbered when the chunk ends.
struct Sighting {
  var entity: EntityKey
  var hash: UInt64
  var member: UInt64
}

/// A sighting of an entity with an 8-byte form (`CompactEntity`): its
/// key and kind, and its record's group by its place of arrival among the
/// chunk's groups. 16 bytes: the hash its probe starts from is made again
/// when it is added (a few multiplications, where 8 bytes more a sighting
/// would be written and read back for each of tens of millions).
struct CompactSighting {
  var key: UInt64
  var kind: UInt32
  var member: UInt32

  var hash: UInt64 { @inline(__always) get { CompactEntity.hash(key, kind: kind) } }
}

/// Per shard, the sightings of one distinct count waiting for `endChunk`:
/// those of entities with an 8-byte form apart from the others. The owner
/// calls `deallocate()` once.
struct PendingSightings {
  let compact = ShardBuffers<CompactSighting>()
  let wide = ShardBuffers<Sighting>()

  func deallocate() {
    compact.deallocate()
    wide.deallocate()
  }

  @inline(__always) func append(_ e: EntityKey, member: UInt64) {
    // The shard by the key's own hash, whatever its form (kept states
    // name each entity's shard so).
    let h = e.mixed
    let shard = EntitySets.shard(of: h)
    if let c = CompactEntity.compact(e) {
      compact.append(CompactSighting(key: c.key, kind: c.kind, member: UInt32(truncatingIfNeeded: member)), to: shard)
    } else {
      wide.append(Sighting(entity: e, hash: h, member: member), to: shard)
    }
  }
}

/// One growing buffer per shard. A struct of pointers, so that appending
/// costs no reference counting; the owner calls `deallocate()` once.
struct ShardBuffers<T> {
  let buffers: UnsafeMutablePointer<UnsafeMutablePointer<T>>
  let counts: UnsafeMutablePointer<Int>
  let capacities: UnsafeMutablePointer<Int>

  init() {
    let n = EntitySets.shardCount
    buffers = CacheLines.allocate(n)
    counts = CacheLines.allocate(n)
    capacities = CacheLines.allocate(n)
    for s in 0..<n {
      buffers[s] = CacheLines.allocate(128)
      counts[s] = 0
      capacities[s] = 128
    }
  }

  func deallocate() {
    for s in 0..<EntitySets.shardCount { buffers[s].deallocate() }
    buffers.deallocate()
    counts.deallocate()
    capacities.deallocate()
  }

  @inline(__always) func append(_ v: T, to shard: Int) {
    let n = counts[shard]
    if n == capacities[shard] {
      let bigger: UnsafeMutablePointer<T> = CacheLines.allocate(n * 2)
      bigger.moveInitialize(from: buffers[shard], count: n)
      buffers[shard].deallocate()
      buffers[shard] = bigger
      capacities[shard] = n * 2
    }
    (buffers[shard] + n).initialize(to: v)
    counts[shard] = n + 1
  }
}

/// One worker's aggregate of the chunk in hand. Slot measures gather in a
/// small table and entity sightings in per-shard buffers; `endChunk` adds
/// both to the shared totals, each shard under its own lock. Integer sums,
/// minima, maxima and set unions do not depend on order, so results are the
/// same for any thread count.
final class PartialAggregate: ChunkConsumer {
  private let shared: SharedAggregate
  /// The slot whose sum passed Int64 in this worker, if any.
  private var overflowedSlot: Int?
  /// Where, for the scan's error: the first limit hit since the last call.
  private var limitHit: LimitHit?
  // Operations as raw pointers: no reference counting per record.
  private let keyOps: UnsafeMutablePointer<BoundAggregation.KeyOp>
  private let keyCount: Int
  private let allSmall: Bool
  private let slotOps: UnsafeMutablePointer<BoundAggregation.MeasureOp>
  private let slotCount: Int
  private let distinctOps: UnsafeMutablePointer<BoundAggregation.MeasureOp>
  private let distinctCount: Int
  private let filters: UnsafeMutablePointer<BoundAggregation.FilterOp>
  private let filterCount: Int
  private let recordFilterEnd: Int
  private let width: Int
  /// A new group's slots: 0 for sums and counts, absent for minima and maxima.
  private let initialSlots: UnsafeMutablePointer<Int64>
  /// Per dictionary key: this worker's codes seen so far, so the shared
  /// dictionary's lock is taken once per new value, not per record.
  private var codes: [[EntityKey: UInt32]]
  /// In front of `codes`, per dictionary key, a direct-mapped cache of
  /// `1 << codeCacheBits` entries (a text key's value and its code): a state
  /// name or a customer id costs one compare, not a `Dictionary` lookup
  /// with SipHash, per record. An entry with `hi == 0` is empty (no key of
  /// text or number has it, see `EntityKey`).
  private let codeCache: UnsafeMutablePointer<CodeCacheEntry>
  static let codeCacheBits = 10
  struct CodeCacheEntry {
    var lo: UInt64 = 0
    var hi: UInt64 = 0
    var code: UInt64 = 0
  }

  /// What `consume` changes per record, behind a pointer: a class's
  /// stored properties would cost an exclusivity check on every access.
  private let hot: UnsafeMutablePointer<Hot>
  private struct Hot {
    var groups: ChunkGroups
    /// The last record's key and its group's slots (nil: none).
    var lastKey: UInt64 = 0
    var lastSlots: UnsafeMutablePointer<Int64>?
  }

  /// Per distinct count, its sightings waiting for `endChunk`.
  private let pending: UnsafeMutablePointer<PendingSightings>
  /// Per group of the chunk in order of arrival, its number among the
  /// shared groups: made by `endChunk`, for the sightings.
  private var numbers = UnsafeMutablePointer<UInt32>.allocate(capacity: 1024)
  private var numberCapacity = 1024

  init(shared: SharedAggregate) {
    self.shared = shared
    let b = shared.bound
    keyCount = b.keyOps.count
    keyOps = .allocate(capacity: keyCount)
    keyOps.initialize(from: b.keyOps, count: keyCount)
    allSmall = b.allSmall
    slotCount = b.slotOps.count
    slotOps = .allocate(capacity: max(slotCount, 1))
    slotOps.initialize(from: b.slotOps, count: slotCount)
    distinctCount = b.distinctOps.count
    distinctOps = .allocate(capacity: max(distinctCount, 1))
    distinctOps.initialize(from: b.distinctOps, count: distinctCount)
    filterCount = b.filters.count
    recordFilterEnd = b.recordFilterEnd
    filters = .allocate(capacity: max(filterCount, 1))
    filters.initialize(from: b.filters, count: filterCount)
    width = slotCount + 1
    initialSlots = .allocate(capacity: width)
    for j in 0..<width {
      let kind = j < slotCount ? b.slotOps[j].kind : .count
      initialSlots[j] = kind == .min || kind == .max ? Record.null : 0
    }
    codes = b.dictionaries.map { _ in [:] }
    let cacheEntries = max(b.dictionaries.count, 1) << Self.codeCacheBits
    codeCache = CacheLines.allocate(cacheEntries)
    codeCache.initialize(repeating: CodeCacheEntry(), count: cacheEntries)
    hot = CacheLines.allocate(1)
    hot.initialize(to: Hot(groups: ChunkGroups(width: width)))
    pending = CacheLines.allocate(max(distinctCount, 1))
    for d in 0..<distinctCount { (pending + d).initialize(to: PendingSightings()) }
  }

  deinit {
    keyOps.deallocate()
    slotOps.deinitialize(count: slotCount)
    slotOps.deallocate()
    distinctOps.deinitialize(count: distinctCount)
    distinctOps.deallocate()
    filters.deinitialize(count: filterCount)
    filters.deallocate()
    initialSlots.deallocate()
    codeCache.deallocate()
    hot.pointee.groups.deallocate()
    for d in 0..<distinctCount { pending[d].deallocate() }
    pending.deallocate()
    numbers.deallocate()
    hot.deinitialize(count: 1)
    hot.deallocate()
  }

  /// The packed key of `r` when a key is text, a wide number or a date.
  private func packGeneral(_ r: Record) -> UInt64 {
    var key: UInt64 = 0
    for i in 0..<keyCount {
      let op = keyOps[i]
      let v = r[op.column]
      var code: UInt64
      if v == Record.null {
        code = op.null
      } else {
        switch op.code {
        case .small: code = UInt64(v &- op.offset)
        case .text, .number:
          let e = op.code == .text ? r.key(op.column) : EntityKey.number(v)
          let slot = Int(truncatingIfNeeded: e.mixed >> UInt64(64 - Self.codeCacheBits))
          let cached = codeCache + (op.dictionary << Self.codeCacheBits | slot)
          if cached.pointee.hi == e.hi && cached.pointee.lo == e.lo {
            code = cached.pointee.code
          } else {
            code = UInt64(dictionaryCode(e, op.dictionary))
            cached.pointee = CodeCacheEntry(lo: e.lo, hi: e.hi, code: code)
          }
        case .year: code = UInt64(v / 10_000 &- op.offset)
        case .quarter: code = UInt64((v / 10_000 &- op.offset) &* 4 &+ (v / 100 % 100 &- 1) / 3)
        case .month: code = UInt64((v / 10_000 &- op.offset) &* 12 &+ v / 100 % 100 &- 1)
        case .day: code = UInt64((v / 10_000 &- op.offset) &* 372 &+ (v / 100 % 100 &- 1) &* 31 &+ v % 100 &- 1)
        }
      }
      key |= code << op.shift
    }
    return key
  }

  /// The code of `e` in dictionary `d`: this worker's, or the shared
  /// dictionary's (under its lock) the first time this worker sees it.
  @inline(never)
  private func dictionaryCode(_ e: EntityKey, _ d: Int) -> UInt32 {
    if let c = codes[d][e] { return c }
    let c = shared.bound.dictionaries[d].code(e)
    codes[d][e] = c
    return c
  }

  /// Whether `r` passes the filters `start..<end` (all of them).
  @inline(__always) private func passes(_ r: Record, _ start: Int, _ end: Int) -> Bool {
    let op = filters + start
    if end - start == 1 {
      // One comparison with a number (`.positive("Antal")`): inline.
      let v = r[op.pointee.column]
      switch op.pointee.kind {
      case .gt: return v != Record.null && v > op.pointee.value
      case .ge: return v != Record.null && v >= op.pointee.value
      case .lt: return v != Record.null && v < op.pointee.value
      case .le: return v != Record.null && v <= op.pointee.value
      case .eq: return v != Record.null && v == op.pointee.value
      case .ne: return v != Record.null && v != op.pointee.value
      default: break
      }
    }
    return BoundAggregation.FilterOp.admits(r, op, end - start)
  }

  func consume(_ r: Record) {
    if recordFilterEnd > 0 && !passes(r, 0, recordFilterEnd) { return }
    var key: UInt64 = 0
    if allSmall {
      for i in 0..<keyCount {
        let op = keyOps + i
        let v = r[op.pointee.column]
        let code: UInt64 = v == Record.null ? op.pointee.null : UInt64(v &- op.pointee.offset)
        key |= code << op.pointee.shift
      }
    } else {
      key = packGeneral(r)
    }
    let h = hot
    let s: UnsafeMutablePointer<Int64>
    if key == h.pointee.lastKey, let last = h.pointee.lastSlots {
      s = last
    } else {
      s = h.pointee.groups.slots(key, initial: initialSlots)
      h.pointee.lastKey = key
      h.pointee.lastSlots = s
    }
    for j in 0..<slotCount {
      let op = slotOps + j
      if op.pointee.filterEnd > op.pointee.filterStart
        && !passes(r, op.pointee.filterStart, op.pointee.filterEnd)
      {
        continue
      }
      switch op.pointee.kind {
      case .sum:
        let v = r[op.pointee.column]
        if v != Record.null {
          let (x, o) = s[j].addingReportingOverflow(v)
          s[j] = x
          if o {
            overflowedSlot = j
            if limitHit == nil { limitHit = LimitHit(column: op.pointee.column, record: r.ordinal) }
          }
        }
      case .count:
        s[j] &+= 1
      case .min:
        let v = r[op.pointee.column]
        if v != Record.null && (s[j] == Record.null || v < s[j]) { s[j] = v }
      case .max:
        let v = r[op.pointee.column]
        if v != Record.null && (s[j] == Record.null || v > s[j]) { s[j] = v }
      case .distinct:
        break
      }
    }
    s[slotCount] &+= 1
    for d in 0..<distinctCount {
      let op = distinctOps + d
      if op.pointee.filterEnd > op.pointee.filterStart
        && !passes(r, op.pointee.filterStart, op.pointee.filterEnd)
      {
        continue
      }
      // An empty optional value is absent: no entity.
      let v = r[op.pointee.column]
      if v == Record.null { continue }
      let e = op.pointee.text ? r.key(op.pointee.column) : EntityKey.number(v)
      // The group's place of arrival (in its count's word, see `ChunkGroups`).
      pending[d].append(e, member: UInt64(bitPattern: s[slotCount]) >> 32)
    }
  }

  func takeLimitHit() -> LimitHit? {
    defer { limitHit = nil }
    return limitHit
  }

  func endChunk() {
    let h = hot
    let n = h.pointee.groups.count
    if n > 0 {
      if numberCapacity < n {
        numbers.deallocate()
        numberCapacity = max(n, numberCapacity * 2)
        numbers = .allocate(capacity: numberCapacity)
      }
      let groups = h.pointee.groups
      let countWord = slotCount
      // Two passes over the chunk's groups, each waiting on the shared
      // tables (larger than the cache) for one group while the lookups of
      // the groups 8 places ahead are already on their way: first each
      // group's number (a new one's slots taken as they are), then the
      // others' slots added.
      shared.groupsLock.lock()
      for j in 0..<n {
        if j + 8 < n { shared.groupIndex.prefetch(UInt64(bitPattern: groups.entry(j + 8)[0])) }
        let e = groups.entry(j)
        // The record count alone (its word held the place of arrival).
        e[1 + countWord] &= 0xFFFF_FFFF
        let (g, inserted) = shared.group(UInt64(bitPattern: e[0]), new: e + 1)
        numbers[j] = UInt32(g) | (inserted ? Self.newGroup : 0)
      }
      shared.withAllSlots { all in
        for j in 0..<n {
          if j + 8 < n && numbers[j + 8] & Self.newGroup == 0 {
            luna_prefetch(all + Int(numbers[j + 8]) &* width)
          }
          if numbers[j] & Self.newGroup != 0 {
            numbers[j] &= ~Self.newGroup
            continue
          }
          let g = Int(numbers[j])
          let mine = groups.entry(j) + 1
          if let k = shared.add(mine, into: UnsafeMutableBufferPointer(start: all + g &* width, count: width)) {
            shared.overflowedSlot = k
            if limitHit == nil && k < slotCount { limitHit = LimitHit(column: slotOps[k].column, record: nil) }
          }
        }
      }
      if let j = overflowedSlot { shared.overflowedSlot = j }
      shared.groupsLock.unlock()
      h.pointee.groups.removeAll()
      h.pointee.lastSlots = nil
      // No group, no sighting: nothing to flush otherwise.
      for d in 0..<distinctCount { shared.flush(pending[d], distinct: d, numbers: numbers) }
    }
  }

  /// A group number's flag in `endChunk`: made by this chunk (group
  /// numbers are below 2^31, see `GroupIndex`).
  private static let newGroup: UInt32 = 1 << 31
}
