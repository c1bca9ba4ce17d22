import Testing

@testable import LunaDomain

@Suite struct GeographyTests {
  let geo = Geography.denmark

  @Test func ninetyEightKommunerInFiveRegions() {
    #expect(geo.kommuner.count == 98)
    let regions2023 = Set(geo.kommuner.compactMap { geo.region(ofKommune: $0.code, year: 2023)?.code })
    #expect(regions2023 == [1081, 1082, 1083, 1084, 1085])
    #expect(geo.kommuner(inRegion: 1084, year: 2023).count == 29)
    #expect(geo.kommuner(inRegion: 1085, year: 2023).count == 17)
  }

  @Test func nordjyllandInThePlansOrder() {
    let names = geo.kommuner(inRegion: 1081, year: 2023).map(\.name)
    #expect(
      names == [
        "Brønderslev", "Frederikshavn", "Hjørring", "Jammerbugt", "Læsø", "Mariagerfjord", "Morsø", "Rebild",
        "Thisted", "Vesthimmerlands", "Aalborg",
      ])
  }

  @Test func regionsChangeIn2027() {
    #expect(geo.region(ofKommune: 101, year: 2026)?.name == "Region Hovedstaden")
    #expect(geo.region(ofKommune: 101, year: 2027)?.name == "Region Østdanmark")
    #expect(geo.region(ofKommune: 259, date: 2026_12_31)?.code == 1085)
    #expect(geo.region(ofKommune: 259, date: 2027_01_01)?.code == 1086)
    #expect(geo.region(ofKommune: 851, year: 2030)?.code == 1081)
    #expect(geo.region(ofKommune: 999, year: 2023) == nil)
  }

  @Test func namesResolveInCommonSpellings() {
    #expect(geo.kommune(named: "Broenderslev")?.code == 810)
    #expect(geo.kommune(named: " brønderslev ")?.code == 810)
    #expect(geo.kommune(named: "Vesthimmerland")?.code == 820)
    #expect(geo.kommune(named: "Vesthimmerlands Kommune")?.code == 820)
    #expect(geo.kommune(named: "Aalborg Kommune")?.code == 851)
    #expect(geo.kommune(named: "Ålborg")?.code == 851)
    #expect(geo.kommune(named: "Christiansø") == nil)
  }
}
