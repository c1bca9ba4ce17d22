import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The entity sets behind every distinct count: keys of every kind, in the
/// compact table or the wide one, give back exactly the groups put in for
/// each entity, whatever the batches, the order, the growth of the tables
/// and of the blocks.
@Suite struct EntitySetsTests {
  /// Texts of every kind a key can take: short, hex ids (lower case, so
  /// compact; upper case or mixed, so not), 9 to 15 bytes, 16 bytes that
  /// are not hex, long ones (interned), and numbers.
  func keys(_ rng: inout SeededGenerator, count: Int) -> [EntityKey] {
    let hex = Array("0123456789abcdef".utf8)
    var out: [EntityKey] = []
    for i in 0..<count {
      let text: [UInt8]
      switch i % 7 {
      case 0: text = (0..<16).map { _ in hex[Int.random(in: 0..<16, using: &rng)] }
      case 1: text = Array("K\(Int.random(in: 0..<10_000_000, using: &rng))".utf8)
      case 2: text = Array(String(format: "%016llX", rng.next() % (1 << 40)).utf8)
      case 3: text = Array("patient-\(Int.random(in: 0..<10_000_000, using: &rng))".utf8)
      case 4: text = Array("p\(Int.random(in: 0..<1000, using: &rng))-abcdefghijklmnop".utf8)
      case 5:
        out.append(EntityKey.number(Int64.random(in: -1_000_000...1_000_000, using: &rng)))
        continue
      default: text = Array(String(format: "%016llx", rng.next() % 1000).utf8)
      }
      out.append(text.withUnsafeBytes { EntityKey.make($0) })
    }
    return out
  }

  @Test func compactFormsGiveTheirKeysBack() throws {
    var rng = SeededGenerator(seed: 26)
    var compact = 0
    for k in keys(&rng, count: 5_000) {
      guard let c = CompactEntity.compact(k) else { continue }
      compact += 1
      let back = CompactEntity.expand(c.key, kind: c.kind)
      #expect(back == k, "\(k) → \(c) → \(back)")
    }
    // Short texts and lower-case hex ids are compact (3 kinds of 7); of
    // the rest, an upper-case id only when it happens to be all digits.
    #expect(compact >= 5_000 * 3 / 7 && compact < 5_000 * 4 / 7)
    let hexKey = Array("00ff7a0b9c1d2e3f".utf8).withUnsafeBytes { EntityKey.make($0) }
    let c = try #require(CompactEntity.compact(hexKey))
    #expect(c.key == 0x00ff_7a0b_9c1d_2e3f && c.kind == CompactEntity.hex)
    let shortKey = Array("K0012345".utf8).withUnsafeBytes { EntityKey.make($0) }
    #expect(CompactEntity.compact(shortKey)?.kind == CompactEntity.short)
    for text in ["00FF7A0B9C1D2E3F", "00ff7a0b9c1d2e3g", "00ff7a0b9c1d2e3", "123456789"] {
      let k = Array(text.utf8).withUnsafeBytes { EntityKey.make($0) }
      #expect(CompactEntity.compact(k) == nil, "\(text)")
    }
    #expect(CompactEntity.compact(EntityKey.number(7)) == nil)
  }

  /// `compact` reads a 16-byte id's digits 16 at a time (`luna_hex16`):
  /// the same as the word-at-a-time `hexValue` of each half, on ids of hex
  /// digits with bytes of every value put in (just outside 0-9 and a-f,
  /// upper case, high bytes, NUL).
  @Test func hexIdsReadAsTheirDigits() {
    var rng = SeededGenerator(seed: 16)
    let digits = Array("0123456789abcdef".utf8)
    let near: [UInt8] = [0x2F, 0x3A, 0x40, 0x41, 0x46, 0x47, 0x60, 0x67, 0x00, 0x80, 0xFF, 0xE0, 0xB0]
    var compact = 0
    for _ in 0..<200_000 {
      var bytes = (0..<16).map { _ in digits[Int(rng.next() % 16)] }
      switch rng.next() % 4 {
      case 0: break
      case 1: bytes[Int(rng.next() % 16)] = near[Int(rng.next() % UInt64(near.count))]
      case 2: bytes[Int(rng.next() % 16)] = UInt8(truncatingIfNeeded: rng.next())
      default:
        for _ in 0..<3 { bytes[Int(rng.next() % 16)] = UInt8(truncatingIfNeeded: rng.next()) }
      }
      if bytes[15] < 0x20 { bytes[15] = 0x20 }  // a 16-byte text, not a shorter one's length
      let lo = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      let hi = bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      var expected: UInt64?
      if let a = CompactEntity.hexValue(lo), let b = CompactEntity.hexValue(hi) { expected = a << 32 | b }
      let got = CompactEntity.compact(EntityKey(lo: lo, hi: hi))
      #expect(got?.key == expected, "\(bytes)")
      if expected != nil {
        #expect(got?.kind == CompactEntity.hex)
        compact += 1
      }
    }
    #expect(compact > 50_000 && compact < 150_000)
  }

  @Test func groupsComeBackByEntity() {
    var rng = SeededGenerator(seed: 7)
    let entities = keys(&rng, count: 20_000)
    var model: [EntityKey: Set<UInt32>] = [:]
    let shards = (0..<3).map { _ in EntityShard() }
    // Batches through pending sightings as a chunk's end adds them, and
    // single inserts as a kept state's merge does; the tables grow many
    // times over.
    let pending = PendingSightings()
    defer { pending.deallocate() }
    let numbers: [UInt32] = (0..<64).map { UInt32($0 * 977 + 3) }
    for round in 0..<6 {
      for _ in 0..<15_000 {
        let e = entities[Int.random(in: 0..<(round < 3 ? 5_000 : entities.count), using: &rng)]
        let member = Int.random(in: 0..<(e.lo % 3 == 0 ? 64 : 4), using: &rng)
        model[e, default: []].insert(numbers[member])
        pending.append(e, member: UInt64(member))
      }
      for s in 0..<EntitySets.shardCount {
        let shard = shards[s % 3]
        numbers.withUnsafeBufferPointer { n in
          shard.insert(batch: pending.compact.buffers[s], count: pending.compact.counts[s], numbers: n.baseAddress!)
          shard.insert(batch: pending.wide.buffers[s], count: pending.wide.counts[s], numbers: n.baseAddress!)
        }
        pending.compact.counts[s] = 0
        pending.wide.counts[s] = 0
      }
      for _ in 0..<2_000 {
        let e = entities[Int.random(in: 0..<entities.count, using: &rng)]
        let g = UInt32.random(in: 0..<100_000, using: &rng)
        model[e, default: []].insert(g)
        shards[EntitySets.shard(of: e.mixed) % 3].insert(e, hash: e.mixed, member: g)
      }
    }
    var got: [EntityKey: Set<UInt32>] = [:]
    var listed = 0
    for shard in shards {
      shard.forEachEntity { e, groups in
        #expect(got[e] == nil, "\(e) listed twice")
        got[e, default: []].formUnion(groups)
        #expect(Set(groups).count == groups.count, "a group twice for \(e)")
        listed += groups.count
      }
    }
    #expect(got == model)
    #expect(shards.reduce(0) { $0 + $1.count } == model.count)
    #expect(
      shards.reduce(0) { $0 + $1.count + $1.overflowCount } == model.values.reduce(0) { $0 + $1.count })
    #expect(listed == model.values.reduce(0) { $0 + $1.count })
    // The counts stay when EntityMembers has taken the groups.
    for shard in shards {
      let n = shard.count
      shard.releaseStorage()
      #expect(shard.count == n)
    }
  }
}
