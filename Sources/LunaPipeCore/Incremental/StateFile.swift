import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One input file's kept state: what its scan gave (`FilePart`) and its
/// contribution to each aggregation: the finest-grain groups with their
/// slots, and per distinct count each entity with the groups it was seen
/// under. Sums, minima, maxima and set unions do not depend on order, so
/// merging the files' contributions gives exactly the totals one scan of all
/// the files gives.
///
/// On disk: where the header starts (8 bytes), the entity blocks, one per
/// aggregation, distinct count and shard of `EntitySets` (each with its
/// checksum), then the header (the part, each aggregation's dictionaries
/// and groups, and the table of the blocks, with its checksum). The header
/// comes last so that a large state (`Checkpoint`) is written block by
/// block, never held whole.
/// Merging goes shard by shard over all files (`mergeEntities`), so that one
/// shard's table of the totals is in the cache while every file's entities
/// of that shard go in.
struct StateFile {
  static let magic = Array("LPSTATE3".utf8)

  /// Where one block lies, from the end of the header, and its entities.
  struct Block {
    var offset: Int
    var length: Int
    var entities: Int
  }

  /// One aggregation's part of the header.
  struct Aggregate {
    /// Per dictionary, its values in this file's codes.
    var dictionaries: [[EntityKey]]
    /// Per group (this file's numbers), its packed key in this file's codes
    /// and, `width` each, its slots.
    var keys: [UInt64]
    var slots: [Int64]
    /// Per distinct count, per shard, its block.
    var blocks: [[Block]]
    /// Per group, its number among the run's totals (`mergeGroups`).
    var runNumbers: [UInt32] = []
  }

  let path: String
  var part: FilePart
  var aggregates: [Aggregate]
  /// Where the blocks start in the file.
  let blocksStart: Int

  // MARK: Writing

  /// The bytes of the state of one scanned file: `part`, and the aggregate
  /// of each aggregation (`aggregates`, in the stage's order).
  static func encode(part: FilePart, aggregates: [SharedAggregate], signature: String, digest: String) throws
    -> [UInt8]
  {
    var blocks: [[UInt8]] = []
    var table: [[[Block]]] = []
    var offset = 0
    for shared in aggregates {
      var perDistinct: [[Block]] = []
      for sets in shared.entities {
        var shards: [Block] = []
        for shard in sets.shards {
          let b = encodeBlock(shard)
          shards.append(Block(offset: offset, length: b.count, entities: shard.count))
          offset += b.count
          blocks.append(b)
        }
        perDistinct.append(shards)
      }
      table.append(perDistinct)
    }
    let header = try encodeHeader(
      part: part, aggregates: aggregates, blocks: table, signature: signature, digest: digest)
    var out = [UInt8]()
    out.reserveCapacity(8 + offset + header.count)
    withUnsafeBytes(of: UInt64(8 + offset).littleEndian) { out.append(contentsOf: $0) }
    for b in blocks { out += b }
    out += header
    return out
  }

  /// One shard's entities, each with its groups by their numbers (those
  /// of the aggregate's `groupIndex`, which the sets hold).
  static func encodeBlock(_ shard: EntityShard) -> [UInt8] {
    var b = StateWriter(reserving: shard.count * 12 + 16)
    shard.forEachEntity { entity, numbers in
      b.entity(entity)
      b.varint(numbers.count)
      for g in numbers { b.varint(Int(g)) }
    }
    b.finish()
    return b.bytes
  }

  /// The header: the part, each aggregation's dictionaries and groups, and
  /// the table of its blocks (per aggregation, distinct count and shard).
  static func encodeHeader(
    part: FilePart, aggregates: [SharedAggregate], blocks: [[[Block]]], signature: String, digest: String
  ) throws -> [UInt8] {
    var header = StateWriter(reserving: 1 << 16)
    header.raw(magic)
    header.u64(StateSignature.format)
    header.text(signature)
    header.text(digest)
    header.text(String(decoding: try JSONEncoder().encode(part), as: UTF8.self))
    header.varint(aggregates.count)
    for (a, shared) in aggregates.enumerated() {
      writeGroups(shared, to: &header)
      for d in shared.entities.indices {
        for block in blocks[a][d] {
          header.varint(block.offset)
          header.varint(block.length)
          header.varint(block.entities)
        }
      }
    }
    header.finish()
    return header.bytes
  }

  /// Writes `shared`'s dictionaries (as far as its groups use them, in
  /// codes of this file's own) and groups, in the order of their numbers.
  private static func writeGroups(_ shared: SharedAggregate, to w: inout StateWriter) {
    let bound = shared.bound
    let index = shared.groupIndex
    let groups = index.count
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
  }

  // MARK: Reading

  /// Reads and checks the header of the state at `path` (its checksum,
  /// format, signature, digest, and the file's length against its table).
  ///
  /// - Throws: `StateDamaged` for a state that is not as written.
  ///
  /// - Parameter partOnly: read the part alone (checking the whole header),
  ///   not the groups and the table: for a file whose contribution is not
  ///   merged (the checkpoint holds it).
  static func open(
    _ path: String, signature: String, digest: String, bound: [BoundAggregation], partOnly: Bool = false
  ) throws -> StateFile {
    let fd = Glibc.open(path, O_RDONLY)
    guard fd >= 0 else { throw StateDamaged("unreadable") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw StateDamaged("unreadable") }
    let size = Int(st.st_size)
    var start: UInt64 = 0
    guard size >= 8, pread(fd, &start, 8, 0) == 8 else { throw StateDamaged("too short") }
    let headerStart = Int(UInt64(littleEndian: start))
    guard headerStart >= 8, headerStart <= size - 16 else { throw StateDamaged("its header lies past its end") }
    let headerLength = size - headerStart
    let header = [UInt8](unsafeUninitializedCapacity: headerLength) { buffer, n in
      n = pread(fd, buffer.baseAddress, headerLength, off_t(headerStart)) == headerLength ? headerLength : 0
    }
    guard header.count == headerLength else { throw StateDamaged("cannot be read") }
    return try header.withUnsafeBytes { raw in
      let body = UnsafeRawBufferPointer(rebasing: raw[0..<(headerLength - 8)])
      let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: headerLength - 8, as: UInt64.self))
      guard StateChecksum.of(body) == stored else { throw StateDamaged("its header's checksum differs") }
      var r = StateReader(body)
      guard Array(try r.raw(magic.count)) == magic else { throw StateDamaged("not a state of this format") }
      guard try r.u64() == StateSignature.format else { throw StateDamaged("of another format") }
      guard try r.text() == signature, try r.text() == digest else { throw StateDamaged("kept for another input") }
      let part: FilePart
      do {
        part = try JSONDecoder().decode(FilePart.self, from: Data(try r.text().utf8))
      } catch let e as StateDamaged {
        throw e
      } catch {
        throw StateDamaged("its part cannot be read: \(error)")
      }
      guard try r.count(below: 1 << 16) == bound.count else { throw StateDamaged("kept for other aggregations") }
      if partOnly { return StateFile(path: path, part: part, aggregates: [], blocksStart: 8) }
      var aggregates: [Aggregate] = []
      var end = 0
      for b in bound {
        var a = try readGroups(&r, bound: b)
        for _ in b.distinctOps {
          var shards: [Block] = []
          for _ in 0..<EntitySets.shardCount {
            let block = Block(
              offset: try r.count(below: size), length: try r.count(below: size),
              entities: try r.count(below: size))
            end = max(end, block.offset + block.length)
            shards.append(block)
          }
          a.blocks.append(shards)
        }
        aggregates.append(a)
      }
      guard r.atEnd, 8 + end == headerStart else { throw StateDamaged("its length is not as its table says") }
      return StateFile(path: path, part: part, aggregates: aggregates, blocksStart: 8)
    }
  }

  private static func readGroups(_ r: inout StateReader, bound: BoundAggregation) throws -> Aggregate {
    let width = try r.count(below: 1 << 16)
    guard width == bound.slotOps.count + 1, try r.count(below: 1 << 16) == bound.keyOps.count,
      try r.count(below: 1 << 16) == bound.distinctOps.count,
      try r.count(below: 1 << 16) == bound.dictionaries.count
    else { throw StateDamaged("kept for another aggregation") }
    var dictionaries: [[EntityKey]] = []
    for _ in bound.dictionaries {
      let n = try r.count(below: r.bytes.count)
      var values: [EntityKey] = []
      values.reserveCapacity(n)
      for _ in 0..<n { values.append(try r.entity()) }
      dictionaries.append(values)
    }
    let groups = try r.count(below: r.bytes.count / 8 + 1)
    var keys = [UInt64](repeating: 0, count: groups)
    var slots = [Int64](repeating: 0, count: groups * width)
    for g in 0..<groups {
      keys[g] = try r.u64()
      for j in 0..<width { slots[g * width + j] = try r.i64() }
    }
    return Aggregate(dictionaries: dictionaries, keys: keys, slots: slots, blocks: [])
  }

  // MARK: Merging

  /// Adds this file's groups to the run's totals (one per aggregation),
  /// its dictionary codes mapped to the run's; keeps each group's number
  /// among the totals for `mergeEntities`.
  mutating func mergeGroups(into totals: [SharedAggregate]) throws {
    for (a, shared) in totals.enumerated() {
      let bound = shared.bound
      let codes = zip(bound.dictionaries, aggregates[a].dictionaries).map { d, values in values.map { d.code($0) } }
      var keys = aggregates[a].keys
      for g in keys.indices {
        for op in bound.keyOps where op.dictionary >= 0 {
          let field = keys[g] >> op.shift & op.null
          guard field != op.null else { continue }
          guard field < UInt64(codes[op.dictionary].count) else { throw StateDamaged("a key code out of range") }
          keys[g] = keys[g] & ~(op.null << op.shift) | UInt64(codes[op.dictionary][Int(field)]) << op.shift
        }
      }
      var numbers = [UInt32](repeating: 0, count: keys.count)
      let width = shared.width
      shared.groupsLock.lock()
      aggregates[a].slots.withUnsafeMutableBufferPointer { s in
        for g in keys.indices {
          let mine = s.baseAddress! + g * width
          let (number, inserted) = shared.group(keys[g], new: mine)
          numbers[g] = UInt32(number)
          if !inserted, let j = shared.withSlots(of: number, { shared.add(mine, into: $0) }) {
            shared.overflowedSlot = j
          }
        }
      }
      shared.groupsLock.unlock()
      aggregates[a].runNumbers = numbers
      aggregates[a].slots = []
    }
  }

  /// Adds the entities of `shards` of every file in `files` to the totals,
  /// shard by shard: the shards' tables stay in the cache. Safe to call
  /// from several threads at once for different shards.
  ///
  /// - Throws: `BlockDamaged` naming the file whose block is not as written.
  static func mergeEntities(
    _ files: [StateFile], shards: Range<Int>, into totals: [SharedAggregate], buffer: inout [UInt8],
    checkpoint: Checkpoint.Writer?
  ) throws {
    for (a, shared) in totals.enumerated() {
      for d in shared.entities.indices {
        defer {
          // The shards complete: into the checkpoint while in the cache.
          if let checkpoint {
            for s in shards {
              checkpoint.add(
                a, d, s, StateFile.encodeBlock(shared.entities[d].shards[s]),
                entities: shared.entities[d].shards[s].count)
            }
          }
        }
        for (f, file) in files.enumerated() {
          let blocks = file.aggregates[a].blocks[d]
          let first = blocks[shards.lowerBound]
          let last = blocks[shards.upperBound - 1]
          let span = last.offset + last.length - first.offset
          if buffer.count < span { buffer = [UInt8](repeating: 0, count: span) }
          let fd = Glibc.open(file.path, O_RDONLY)
          guard fd >= 0 else { throw BlockDamaged(file: f, why: "unreadable") }
          let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, span, file.blocksStart + first.offset) }
          close(fd)
          guard got == span else { throw BlockDamaged(file: f, why: "ends early") }
          let numbers = file.aggregates[a].runNumbers
          try buffer.withUnsafeBytes { raw in
            for s in shards {
              let block = blocks[s]
              let start = block.offset - first.offset
              guard block.length >= 8 else { throw BlockDamaged(file: f, why: "a block too short") }
              let body = UnsafeRawBufferPointer(rebasing: raw[start..<(start + block.length - 8)])
              let stored = UInt64(
                littleEndian: raw.loadUnaligned(fromByteOffset: start + block.length - 8, as: UInt64.self))
              guard StateChecksum.of(body) == stored else { throw BlockDamaged(file: f, why: "a block's checksum differs") }
              let shard = shared.entities[d].shards[s]
              shard.lock.lock()
              defer { shard.lock.unlock() }
              var r = StateReader(body)
              do {
                for _ in 0..<block.entities {
                  let e = try r.entity()
                  let h = e.mixed
                  guard EntitySets.shard(of: h) == s else { throw StateDamaged("an entity in another shard's block") }
                  let n = try r.count(below: numbers.count + 1)
                  for _ in 0..<n { shard.insert(e, hash: h, member: numbers[try r.count(below: numbers.count)]) }
                }
                guard r.atEnd else { throw StateDamaged("a block holds more than its table says") }
              } catch let e as StateDamaged {
                throw BlockDamaged(file: f, why: e.description)
              }
            }
          }
        }
      }
    }
  }
}

/// A kept state's entity block that is not as written, found while merging:
/// the totals are then no longer the files' sum.
struct BlockDamaged: Error {
  /// The file's place in the list merged.
  var file: Int
  var why: String
}
