import Foundation

/// One input file's contribution to an aggregation, as kept between runs:
/// its finest-grain groups with their slots, and per distinct count each
/// entity with the groups it was seen under. Dictionary codes are this
/// file's own, with their values beside them; merging maps them to the
/// run's (`merge(_:into:)`). Sums, minima, maxima and set unions do not
/// depend on order, so merging the files' contributions gives exactly the
/// totals one scan of all the files gives.
enum AggregateState {
  /// Writes `shared`, the aggregate of one file's scan. Its dictionaries
  /// (shared by every file of the run) are written as far as this file's
  /// groups use them, with codes of this file's own.
  static func write(_ shared: SharedAggregate, to w: inout StateWriter) {
    let bound = shared.bound
    let index = shared.groupIndex
    let groups = index.count
    // Per dictionary, the run's codes this file uses, renumbered 0, 1, ...
    var local: [[UInt32: UInt32]] = bound.dictionaries.map { _ in [:] }
    var used: [[UInt32]] = bound.dictionaries.map { _ in [] }
    var keys = [UInt64](repeating: 0, count: groups)
    for g in 0..<groups {
      var key = index.keys[g]
      for op in bound.keyOps where op.dictionary >= 0 {
        let field = key >> op.shift & op.null
        guard field != op.null else { continue }
        let code = UInt32(field)
        let mine: UInt32
        if let m = local[op.dictionary][code] {
          mine = m
        } else {
          mine = UInt32(used[op.dictionary].count)
          local[op.dictionary][code] = mine
          used[op.dictionary].append(code)
        }
        key = key & ~(op.null << op.shift) | UInt64(mine) << op.shift
      }
      keys[g] = key
    }
    w.varint(shared.width)
    w.varint(bound.keyOps.count)
    w.varint(bound.distinctOps.count)
    w.varint(bound.dictionaries.count)
    for (d, dictionary) in bound.dictionaries.enumerated() {
      w.varint(used[d].count)
      for code in used[d] { w.entity(dictionary.value(code)) }
    }
    w.varint(groups)
    shared.groupSlots.withUnsafeBufferPointer { slots in
      for g in 0..<groups {
        w.u64(keys[g])
        for j in 0..<shared.width { w.i64(slots[g * shared.width + j]) }
      }
    }
    for sets in shared.entities {
      w.varint(sets.entityCount)
      for shard in sets.shards {
        shard.forEachEntity { entity, first, more in
          w.entity(entity)
          w.varint(more.count + 1)
          w.varint(index.index(of: first))
          for m in more { w.varint(index.index(of: m)) }
        }
      }
    }
  }

  /// Adds a file's contribution, as `write` wrote it, to the run's totals
  /// `shared`: groups under its lock, entities shard by shard. Safe to
  /// call from several threads at once for different files.
  ///
  /// - Throws: `StateDamaged` when the bytes do not fit the aggregation.
  static func merge(_ r: inout StateReader, into shared: SharedAggregate) throws {
    let bound = shared.bound
    let width = try r.count(below: 1 << 16)
    guard width == shared.width, try r.count(below: 1 << 16) == bound.keyOps.count,
      try r.count(below: 1 << 16) == bound.distinctOps.count,
      try r.count(below: 1 << 16) == bound.dictionaries.count
    else { throw StateDamaged("kept for another aggregation") }
    // Each dictionary's codes in this file, as the run's codes.
    var codes: [[UInt32]] = []
    for d in bound.dictionaries {
      let n = try r.count(below: Int(UInt32.max - 1))
      var c = [UInt32]()
      c.reserveCapacity(n)
      for _ in 0..<n { c.append(d.code(try r.entity())) }
      codes.append(c)
    }
    let groups = try r.count(below: r.bytes.count / 8 + 1)
    var keys = [UInt64](repeating: 0, count: groups)
    var slots = [Int64](repeating: 0, count: groups * width)
    for g in 0..<groups {
      var key = try r.u64()
      for op in bound.keyOps where op.dictionary >= 0 {
        let field = key >> op.shift & op.null
        guard field != op.null else { continue }
        guard field < UInt64(codes[op.dictionary].count) else { throw StateDamaged("a key code out of range") }
        key = key & ~(op.null << op.shift) | UInt64(codes[op.dictionary][Int(field)]) << op.shift
      }
      keys[g] = key
      for j in 0..<width { slots[g * width + j] = try r.i64() }
    }
    shared.groupsLock.lock()
    slots.withUnsafeBufferPointer { s in
      for g in 0..<groups {
        let mine = s.baseAddress! + g * width
        let (number, inserted) = shared.group(keys[g], new: UnsafeMutablePointer(mutating: mine))
        if !inserted, let j = shared.withSlots(of: number, { shared.add(mine, into: $0) }) {
          shared.overflowedSlot = j
        }
      }
    }
    shared.groupsLock.unlock()
    for d in 0..<bound.distinctOps.count {
      let entities = try r.count(below: r.bytes.count + 1)
      let pending = PendingSightings()
      defer { pending.deallocate() }
      var waiting = 0
      for _ in 0..<entities {
        let e = try r.entity()
        let n = try r.count(below: groups + 1)
        for _ in 0..<n {
          let g = try r.count(below: groups)
          pending.append(e, member: keys[g])
        }
        waiting += n
        if waiting >= 1 << 16 {
          shared.flush(pending, distinct: d)
          waiting = 0
        }
      }
      shared.flush(pending, distinct: d)
    }
  }
}
