import LunaDomain

/// A made-up fysioterapi practice outside Region Nordjylland (full scale
/// only): a register record of `ydere.csv` and the clinic its kommune's
/// sample patients of the other regions are treated at.
struct OtherPractice {
  /// Kommune code of the practice address.
  let kommune: Int
  /// 1, 2, … within its kommune.
  let serial: Int
  /// Capacities in hundredths (`2,45` is 245).
  let capacity51: Int
  let capacity62: Int
  /// Expected wait in weeks.
  let wait51: Int
  let wait62: Int
  let physiotherapists: Int
}

/// The practices of the four other regions, so that a plan for any region
/// has practices, capacities and waits in every kommune (tables 2–13).
///
/// Every kommune gets one practice per about `inhabitantsPerPractice` of its
/// inhabitants in the sample population (at least one), and capacities of
/// about Region Nordjylland's inhabitants per capacity (4,968 for 51 and
/// 4,816 for 62), ±15 % by kommune, shared unevenly among its practices.
/// Fixed numbers (no seed): a practice keeps its capacities across seeds
/// as the kommune tables' aggregates do.
enum OtherRegionPractices {
  static let inhabitantsPerPractice = 12_000
  static let inhabitantsPerCapacity51 = 4_950
  static let inhabitantsPerCapacity62 = 4_800

  /// Every practice, by kommune in `Geography.denmark.kommuner` order.
  static let all: [OtherPractice] = {
    let geo = Geography.denmark
    var out: [OtherPractice] = []
    for k in geo.kommuner {
      guard let region = geo.region(ofKommune: k.code, year: 2024)?.code, region != Places.regionCode else { continue }
      let p = PopulationSample.size(ofOther: k.code)
      let n = max(1, (p + inhabitantsPerPractice / 2) / inhabitantsPerPractice)
      var rng = SplitMix64(0x0DE5_0000_0000, UInt64(k.code))
      let c51 = max(n * 20, p * rng.int(in: 85...115) / inhabitantsPerCapacity51)
      let c62 = max(n * 20, p * rng.int(in: 85...115) / inhabitantsPerCapacity62)
      // Uneven shares, each practice at least 0,10 of each.
      let weights = (0..<n).map { _ in rng.int(in: 40...160) }
      let share51 = PopulationSample.spread(c51 - 10 * n, weights).map { $0 + 10 }
      let share62 = PopulationSample.spread(c62 - 10 * n, weights.reversed()).map { $0 + 10 }
      for i in 0..<n {
        out.append(
          OtherPractice(
            kommune: k.code, serial: i + 1, capacity51: share51[i], capacity62: share62[i],
            wait51: rng.int(in: 0...8), wait62: rng.int(in: 0...12),
            physiotherapists: max(1, (share51[i] + share62[i]) * 12 / 1000)))
      }
    }
    return out
  }()

  /// A made-up four-digit postnummer in the region's range (Hovedstaden
  /// 1000–3699, Sjælland 4000–4999, Syddanmark 5000–6999, Midtjylland
  /// 7000–8999), fixed per kommune.
  static func postnr(kommune: Int) -> Int {
    let ranges = [1084: (1000, 3699), 1085: (4000, 4999), 1083: (5000, 6999), 1082: (7000, 8999)]
    let (lo, hi) = ranges[Geography.denmark.region(ofKommune: kommune, year: 2024)?.code ?? 1084] ?? (1000, 3699)
    return lo + Int(Mix.bijective(0x9057_0000 &+ UInt64(kommune)) % UInt64(hi - lo + 1)) / 10 * 10
  }
}
