internal import CLunaShims

/// Dense indices 0, 1, 2 … for packed 64-bit group keys, in order of
/// arrival: an open-addressing table hashed by one multiplication.
///
/// The per-record path looks up a group key for every record, and the
/// rollups one for every entity membership; a `Dictionary` hashes each
/// with SipHash and checks exclusive access on every call, a third of the
/// aggregation's cost in a profile. Keys need no collision resistance
/// (they come from the data's own codes), so Fibonacci hashing serves.
///
/// A plain struct over raw storage: the owner calls `deallocate()` once.
// Sendable for the rollups' workers, which only read it.
struct GroupIndex: @unchecked Sendable {
  private struct Entry {
    var key: UInt64
    /// The key's dense index, or -1 for an empty entry.
    var index: Int32
  }

  /// How many keys hold an index.
  private(set) var count = 0
  private var capacity: Int
  private var shift: UInt64
  private var entries: UnsafeMutablePointer<Entry>
  /// The keys by dense index: `keys[i]` has index `i`.
  private(set) var keys: UnsafeMutablePointer<UInt64>

  /// An empty index with room for `minimumCount` keys before it grows.
  init(minimumCount: Int = 32) {
    var c = 64
    while c < minimumCount * 2 { c *= 2 }
    capacity = c
    shift = UInt64(64 - c.trailingZeroBitCount)
    entries = .allocate(capacity: c)
    entries.initialize(repeating: Entry(key: 0, index: -1), count: c)
    keys = .allocate(capacity: c / 2)
  }

  /// Frees the storage; the index is unusable after.
  func deallocate() {
    entries.deallocate()
    keys.deallocate()
  }

  @inline(__always) private func home(_ key: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
  }

  /// Asks the CPU to start loading where `key`'s lookup begins.
  @inline(__always) func prefetch(_ key: UInt64) {
    luna_prefetch(entries + home(key))
  }

  /// The dense index of `key`, or -1 when it has none.
  @inline(__always) func index(of key: UInt64) -> Int {
    let mask = capacity - 1
    var i = home(key)
    while true {
      let e = entries[i]
      if e.index < 0 { return -1 }
      if e.key == key { return Int(e.index) }
      i = (i + 1) & mask
    }
  }

  /// The dense index of `key`, given the next one when it has none yet.
  @inline(__always) mutating func insert(_ key: UInt64) -> (index: Int, inserted: Bool) {
    let mask = capacity - 1
    var i = home(key)
    while true {
      let e = entries[i]
      if e.index < 0 { break }
      if e.key == key { return (Int(e.index), false) }
      i = (i + 1) & mask
    }
    let n = count
    precondition(n < Int(Int32.max), "more than 2,147,483,647 groups")
    entries[i] = Entry(key: key, index: Int32(n))
    keys[n] = key
    count = n + 1
    // At most half full: short probe sequences, and `keys` has room.
    if count * 2 == capacity { grow() }
    return (n, true)
  }

  /// Forgets every key, keeping the storage.
  mutating func removeAll() {
    guard count > 0 else { return }
    entries.update(repeating: Entry(key: 0, index: -1), count: capacity)
    count = 0
  }

  private mutating func grow() {
    let oldEntries = entries
    let oldKeys = keys
    capacity *= 2
    shift -= 1
    entries = .allocate(capacity: capacity)
    entries.initialize(repeating: Entry(key: 0, index: -1), count: capacity)
    keys = .allocate(capacity: capacity / 2)
    keys.initialize(from: oldKeys, count: count)
    let mask = capacity - 1
    for j in 0..<count {
      var i = home(keys[j])
      while entries[i].index >= 0 { i = (i + 1) & mask }
      entries[i] = Entry(key: keys[j], index: Int32(j))
    }
    oldEntries.deallocate()
    oldKeys.deallocate()
  }
}
