import Foundation
import LunaPipeCore

/// A Danish kommune: its code, the name the praksisplan prints, and other
/// spellings it is known by.
public struct Kommune: Sendable, Hashable {
  public let code: Int
  public let name: String
  public let aliases: [String]
}

/// A Danish region (or, from 2027, Region Østdanmark).
public struct Region: Sendable, Hashable {
  public let code: Int
  public let name: String
}

/// Denmark's kommuner and regions, with each kommune's region over time.
///
/// Region membership is data with validity periods, so a table for 2026 and
/// one for 2027 group the same kommune into the region it belonged to that
/// year.
///
///     let geo = Geography.denmark
///     geo.kommune(code: 851)?.name          // "Aalborg"
///     geo.region(ofKommune: 101, year: 2023)?.name   // "Region Hovedstaden"
///     geo.kommune(named: "Broenderslev")?.code       // 810
public struct Geography: Sendable {
  public let kommuner: [Kommune]
  public let regions: [Region]
  private let memberships: [Membership]
  private let byCode: [Int: Int]
  private let byName: [String: Int]
  /// `kommuner` in Danish alphabetical order: sorted once, not per call.
  private let alphabetical: [Kommune]

  struct Membership: Sendable {
    let kommune: Int
    let region: Int
    let from: Int  // yyyymmdd
    let to: Int  // yyyymmdd, inclusive
  }

  /// The reference data carried with LunaPipe.
  public static let denmark: Geography = Geography(
    kommuneTable: ReferenceData.kommuner,
    regionTable: ReferenceData.regioner,
    membershipTable: ReferenceData.regionsmedlemskab)

  init(kommuneTable: String, regionTable: String, membershipTable: String) {
    func rows(_ text: String) -> [[String]] {
      text.split(separator: "\n").dropFirst().map {
        $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
      }
    }
    var kommuner: [Kommune] = []
    for r in rows(kommuneTable) {
      guard let code = Int(r[0]) else { continue }
      let aliases = r.count > 2 && !r[2].isEmpty ? [r[2]] : []
      kommuner.append(Kommune(code: code, name: r[1], aliases: aliases))
    }
    kommuner.sort { $0.code < $1.code }
    self.kommuner = kommuner
    self.regions = rows(regionTable).compactMap { r in
      Int(r[0]).map { Region(code: $0, name: r[1]) }
    }
    func date(_ s: String, default d: Int) -> Int {
      s.isEmpty ? d : Int(s.replacingOccurrences(of: "-", with: "")) ?? d
    }
    self.memberships = rows(membershipTable).compactMap { r in
      guard let k = Int(r[0]), let reg = Int(r[1]) else { return nil }
      return Membership(
        kommune: k, region: reg, from: date(r[2], default: 0),
        to: date(r.count > 3 ? r[3] : "", default: 99_999_999))
    }
    var byCode: [Int: Int] = [:]
    var byName: [String: Int] = [:]
    for (i, k) in kommuner.enumerated() {
      byCode[k.code] = i
      for n in [k.name] + k.aliases { byName[Self.nameKey(n)] = i }
    }
    self.byCode = byCode
    self.byName = byName
    alphabetical = kommuner.map { (DanishCollation.key($0.name), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
  }

  /// The kommune with this code, if it is one of the 98.
  public func kommune(code: Int) -> Kommune? {
    byCode[code].map { kommuner[$0] }
  }

  /// A dense index 0..<98 for a kommune code, used as a category index.
  public func index(ofKommune code: Int) -> Int? { byCode[code] }

  /// The kommune called `name` in any common spelling: case, surrounding
  /// spaces, a trailing " Kommune", and Æ/Ø/Å versus AE/OE/AA do not matter.
  public func kommune(named name: String) -> Kommune? {
    byName[Self.nameKey(name)].map { kommuner[$0] }
  }

  /// The region a kommune belonged to on 1 July of `year`.
  public func region(ofKommune code: Int, year: Int) -> Region? {
    region(ofKommune: code, date: year * 10_000 + 701)
  }

  /// The region a kommune belonged to on a date given as `yyyymmdd`.
  public func region(ofKommune code: Int, date: Int) -> Region? {
    guard
      let m = memberships.first(where: {
        $0.kommune == code && $0.from <= date && date <= $0.to
      })
    else { return nil }
    return regions.first { $0.code == m.region }
  }

  /// The kommuner of a region in `year`, in Danish alphabetical order (the
  /// order the praksisplan prints them in, Aalborg last).
  public func kommuner(inRegion region: Int, year: Int) -> [Kommune] {
    alphabetical.filter { self.region(ofKommune: $0.code, year: year)?.code == region }
  }

  /// The region with this code.
  public func region(code: Int) -> Region? { regions.first { $0.code == code } }

  static func nameKey(_ name: String) -> String {
    var s = HeaderName.normalize(name)
    for suffix in [" kommune", "s kommune"] where s.hasSuffix(suffix) {
      s.removeLast(suffix.count)
    }
    return s
  }
}
