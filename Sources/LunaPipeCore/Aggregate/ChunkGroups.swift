/// The groups of the chunk a worker has in hand, each group's slots stored
/// beside its key: an open-addressing table of entries `[key, slot 0, …,
/// record count]`.
///
/// Every record looks its group up here. A chunk of a national extract
/// holds tens of thousands of groups, more than the core's cache, so the
/// lookup waits on memory; with key and slots in one entry (32 bytes for
/// two sums, aligned so that none straddles a cache line) it waits once,
/// where an index table and a separate slot array wait twice.
///
/// The record count's word holds the group's place in order of arrival in
/// its high 32 bits (for `PartialAggregate`'s sightings), the count in the
/// low 32 (a chunk holds fewer than 4,294,967,296 records). An entry whose
/// word is 0 is empty: a group's count is at least 1 once the
/// record that made it has been consumed, which happens before the next
/// lookup (`PartialAggregate.consume`).
///
/// A plain struct over raw storage: the owner calls `deallocate()` once.
struct ChunkGroups {
  /// Slots per group, the record count last.
  let width: Int
  /// Int64s per entry: the key, then the slots.
  private let stride: Int
  private var capacity: Int
  private var shift: UInt64
  private var table: UnsafeMutablePointer<Int64>
  /// The entries in use, by position, in order of arrival.
  private var used: UnsafeMutablePointer<Int32>
  /// How many groups the chunk has so far.
  private(set) var count = 0

  init(width: Int) {
    self.width = width
    stride = width + 1
    capacity = 1024
    shift = UInt64(64 - 10)
    (table, used) = Self.allocate(capacity: 1024, stride: width + 1)
  }

  private static func allocate(capacity: Int, stride: Int) -> (UnsafeMutablePointer<Int64>, UnsafeMutablePointer<Int32>) {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * stride * 8, alignment: 64)
    let table = raw.bindMemory(to: Int64.self, capacity: capacity * stride)
    table.initialize(repeating: 0, count: capacity * stride)
    return (table, .allocate(capacity: capacity / 2))
  }

  func deallocate() {
    UnsafeMutableRawPointer(table).deallocate()
    used.deallocate()
  }

  @inline(__always) private func home(_ key: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
  }

  /// The slots of `key`'s group; a new group's are copied from `initial`
  /// (`width` values, the record count 0).
  @inline(__always)
  mutating func slots(_ key: UInt64, initial: UnsafePointer<Int64>) -> UnsafeMutablePointer<Int64> {
    // A loop, not a recursive call after growing: the lookup inlines into
    // the consumer.
    while true {
      let mask = capacity &- 1
      var i = home(key)
      while true {
        let e = table + i &* stride
        if e[width] == 0 { break }
        if UInt64(bitPattern: e[0]) == key { return e + 1 }
        i = (i &+ 1) & mask
      }
      if (count &+ 1) &* 2 > capacity {
        grow()
        continue
      }
      let e = table + i &* stride
      e[0] = Int64(bitPattern: key)
      (e + 1).update(from: initial, count: width)
      e[width] = Int64(count) << 32
      used[count] = Int32(i)
      count &+= 1
      return e + 1
    }
  }

  /// The entry of the group that arrived `j`-th: its key, then its slots
  /// (the record count's word still holding the place of arrival).
  @inline(__always) func entry(_ j: Int) -> UnsafeMutablePointer<Int64> {
    table + Int(used[j]) &* stride
  }

  /// Forgets every group, keeping the storage.
  mutating func removeAll() {
    for j in 0..<count { table[Int(used[j]) * stride + width] = 0 }
    count = 0
  }

  @inline(never) private mutating func grow() {
    let oldTable = table
    let oldUsed = used
    precondition(capacity < 1 << 30, "more than 536,870,912 groups in one chunk")
    capacity *= 2
    shift -= 1
    (table, used) = Self.allocate(capacity: capacity, stride: stride)
    let mask = capacity - 1
    for j in 0..<count {
      let from = oldTable + Int(oldUsed[j]) * stride
      var i = home(UInt64(bitPattern: from[0]))
      while table[i * stride + width] != 0 { i = (i + 1) & mask }
      (table + i * stride).update(from: from, count: stride)
      used[j] = Int32(i)
    }
    UnsafeMutableRawPointer(oldTable).deallocate()
    oldUsed.deallocate()
  }
}
