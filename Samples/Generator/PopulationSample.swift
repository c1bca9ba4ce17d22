import Foundation
import LunaDomain

/// Writes the sample population `befolkning-folk1a.csv`: Statistikbanken's
/// FOLK1A download as it comes (`OMRÅDE;KØN;ALDER;TID;INDHOLD`, names not
/// codes, `50 år`, `2024K1`, UTF-8 with BOM, CRLF), for 1 January 2023 and
/// 2024 (quarters 2023K1, 2024K1), ages 0–105, with the aggregate rows a
/// download holds: `Hele landet`, `Region …`, `Alder i alt`, and `KØN`
/// `I alt` beside `Mænd` and `Kvinder`; and `Christiansø`, which is no
/// kommune. The small scale holds Hele landet, Region Nordjylland, its 11
/// kommuner and Christiansø, without the `KØN` column.
///
/// How the numbers are made. For the 11 kommuner of Region Nordjylland
/// each kommune has a total `P`, a number aged 50 and older `O` (2024K1)
/// and its 0–17-year-olds `Y` (2023K1 and 2024K1), chosen so that the plan
/// comes out:
/// - `Y` is the plan's own (0–17-årige pr. 1/1 2023 and 2024, read from the
///   published `budget-objektiv-finansiering.csv`);
/// - `P` (2024K1) makes the narrative's inhabitants per capacity with the
///   register's capacities: region 4,968 (51) and 4,816 (62) (region total
///   593,105); Læsø 3,590 (1,759 / 0,49), Rebild 6,237 and 6,653 (30,936 /
///   4,96 and 4,65), Mariagerfjord 3,301 (41,760 / 12,65); and the
///   patients per 1,000 inhabitants with the 2023 patients of the kommune's
///   clinics: Rebild 59 and 12, Vesthimmerlands 104 and 22 (35,900);
///   the others are near their real size and keep the narrative's order
///   (which kommuner lie above the region's average in tables 5 and 7);
/// - `O` makes the region's 2,138 (51) and 2,073 (62) inhabitants over 50
///   per capacity (255,270, 43 % of the region: figure 3's text says 43 %;
///   figure 4's "30 %" contradicts it and cannot also hold) and keeps the
///   order the text gives for tables 6 and 8 (Frederikshavn, Rebild and
///   Hjørring highest for 51, Thisted and Vesthimmerlands lowest; Læsø,
///   Rebild, Frederikshavn and Hjørring well above for 62, Morsø and
///   Aalborg just above, Vesthimmerlands and Mariagerfjord lowest);
/// - 2023K1: the same 18–49-year-olds, `O` 0.8 % lower.
/// Within 0–17, 18–49 and 50+ the count is spread over single years by
/// fixed weights (fewer of the very old; more 18–29-year-olds in Aalborg),
/// exactly, by largest remainders; men are 51 % below 65, 45 % from 65.
/// The other kommuner have plausible made-up sizes (20 % aged 0–17, 42 %
/// 50 and older).
public enum PopulationSample {
  public static let fileName = "befolkning-folk1a.csv"
  public static let quarters = ["2023K1", "2024K1"]
  public static let maxAge = 105

  /// Region Nordjylland: code, P and O (2024K1).
  static let nordjylland: [(code: Int, p: Int, o: Int)] = [
    (810, 36_900, 16_000),  // Brønderslev
    (813, 58_900, 30_628),  // Frederikshavn
    (860, 64_100, 29_500),  // Hjørring
    (849, 38_000, 17_480),  // Jammerbugt
    (825, 1_759, 1_055),  // Læsø
    (846, 41_760, 20_020),  // Mariagerfjord
    (773, 19_900, 9_751),  // Morsø
    (840, 30_936, 13_612),  // Rebild
    (787, 43_300, 20_351),  // Thisted
    (820, 35_900, 16_873),  // Vesthimmerlands
    (851, 221_650, 80_000),  // Aalborg
  ]

  /// Rough sizes of the largest other kommuner; the rest get 20,000–80,000.
  static let knownSizes: [Int: Int] = [
    101: 660_000, 751: 367_000, 461: 207_000, 147: 104_000, 561: 115_000, 630: 121_000, 730: 99_000,
    621: 95_000, 615: 99_000, 791: 98_000, 740: 100_000, 657: 90_000, 265: 90_000, 370: 84_000, 330: 80_000,
    400: 39_000, 492: 6_000, 563: 3_500, 741: 3_700, 482: 12_000, 155: 14_500, 187: 17_000,
  ]
  static let christiansoe = (p: 90, o: 40, y: 10)

  /// The inhabitants (2024K1) of a kommune outside Region Nordjylland:
  /// what the other regions' practices and patients are spread by.
  static func size(ofOther code: Int) -> Int { knownSizes[code] ?? 20_000 + (code * 7_919) % 60_000 }

  /// Counts by quarter index and age: (men, women).
  typealias Counts = [[(men: Int, women: Int)]]

  /// Spreads `total` over `weights` exactly (largest remainders, ties to
  /// the first).
  static func spread(_ total: Int, _ weights: [Int]) -> [Int] {
    let sum = weights.reduce(0, +)
    var out = weights.map { total * $0 / sum }
    let rem = weights.map { total * $0 % sum }
    let order = weights.indices.sorted { rem[$0] != rem[$1] ? rem[$0] > rem[$1] : $0 < $1 }
    for i in order.prefix(total - out.reduce(0, +)) { out[i] += 1 }
    return out
  }

  static func ages(y: Int, middle: Int, o: Int, student: Bool) -> [Int] {
    let child = (0...17).map { 950 + 5 * $0 }
    let mid = (18...49).map { $0 <= 29 ? (student ? 1400 : 850) : 1000 }
    let old = (50...maxAge).map { a -> Int in
      switch a {
      case ...64: return 1000
      case ...74: return 950
      case ...84: return 950 - 60 * (a - 74)
      default: return max(1, Int(350 * pow(0.78, Double(a - 84))))
      }
    }
    return spread(y, child) + spread(middle, mid) + spread(o, old)
  }

  static func counts(p: Int, o: Int, y2024: Int, y2023: Int, student: Bool) -> Counts {
    let middle = p - y2024 - o
    let byQuarter = [
      ages(y: y2023, middle: middle, o: o - o / 125, student: student),
      ages(y: y2024, middle: middle, o: o, student: student),
    ]
    return byQuarter.map { ages in
      ages.enumerated().map { a, n in
        let men = n * (a < 65 ? 51 : 45) / 100
        return (men, n - men)
      }
    }
  }

  /// Every kommune's counts (and Christiansø's, under code 411), the
  /// 0–17-year-olds of Region Nordjylland from `children`.
  static func all(children: [Int: (y2024: Int, y2023: Int)]) throws -> [Int: Counts] {
    var out: [Int: Counts] = [:]
    let nj = Dictionary(uniqueKeysWithValues: nordjylland.map { ($0.code, $0) })
    for k in Geography.denmark.kommuner {
      if let n = nj[k.code] {
        guard let y = children[k.code] else {
          throw SampleGeneratorError(message: "budget-objektiv-finansiering.csv: no 0–17-year-olds for \(k.name)")
        }
        out[k.code] = counts(p: n.p, o: n.o, y2024: y.y2024, y2023: y.y2023, student: k.code == 851)
      } else {
        let p = size(ofOther: k.code)
        out[k.code] = counts(
          p: p, o: p * 42 / 100, y2024: p * 20 / 100, y2023: p * 20 / 100 + p / 500,
          student: [101, 751, 461].contains(k.code))
      }
    }
    out[411] = counts(p: christiansoe.p, o: christiansoe.o, y2024: christiansoe.y, y2023: christiansoe.y, student: false)
    return out
  }

  /// The file's text at `scale`.
  static func text(scale: SampleScale, published: PublishedTables) throws -> String {
    let counts = try all(children: published.children)
    let geo = Geography.denmark
    let withSex = scale == .full
    // Areas in Statistikbanken's order: the country, then each region
    // followed by its kommuner.
    var areas: [(name: String, codes: [Int])] = [("Hele landet", counts.keys.sorted())]
    let regions = scale == .full ? [1084, 1085, 1083, 1082, 1081] : [1081]
    for r in regions {
      let ks = geo.kommuner.filter { geo.region(ofKommune: $0.code, year: 2024)?.code == r }
      areas.append((geo.region(code: r)!.name, ks.map(\.code)))
      for k in ks {
        areas.append((k.name, [k.code]))
        if k.code == 400 { areas.append(("Christiansø", [411])) }
      }
    }
    if scale == .small { areas.append(("Christiansø", [411])) }

    var lines = [withSex ? "OMRÅDE;KØN;ALDER;TID;INDHOLD" : "OMRÅDE;ALDER;TID;INDHOLD"]
    let sexes = withSex ? ["I alt", "Mænd", "Kvinder"] : ["I alt"]
    for area in areas {
      for sex in sexes {
        func n(_ q: Int, _ a: Int) -> Int {
          area.codes.reduce(0) { s, c in
            let v = counts[c]![q][a]
            return s + (sex == "Mænd" ? v.men : sex == "Kvinder" ? v.women : v.men + v.women)
          }
        }
        for age in [-1] + Array(0...maxAge) {
          for (q, quarter) in quarters.enumerated() {
            let value = age < 0 ? (0...maxAge).reduce(0) { $0 + n(q, $1) } : n(q, age)
            let ageText = age < 0 ? "Alder i alt" : "\(age) år"
            lines.append(([area.name] + (withSex ? [sex] : []) + [ageText, quarter, String(value)]).joined(separator: ";"))
          }
        }
      }
    }
    return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
  }

  /// Writes `befolkning-folk1a.csv` into `directory` and returns its path,
  /// the 0–17-year-olds read from the published files bundled with
  /// LunaSamples.
  @discardableResult
  public static func write(to directory: String, scale: SampleScale) throws -> String {
    try write(to: directory, scale: scale, published: .bundled())
  }

  @discardableResult
  static func write(to directory: String, scale: SampleScale, published: PublishedTables) throws -> String {
    let path = (directory as NSString).appendingPathComponent(fileName)
    try text(scale: scale, published: published).write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}
