// The ten published tables the samples reproduce, copied from the
// praksisplan (Region Nordjylland 2025, Bilag 1) so that the generator never
// needs the source document at run time. The text is the CSV as transcribed:
// kommune rows in printed order, then the Total row; decimals use a dot.
//
// Also the clinics of Bilag 2 (kommune and capacity per speciale only), used
// to spread patients over a few plausible clinics per kommune.

/// One published kommune table: 11 kommune rows in printed order, then Total.
struct PublishedTable {
  let number: Int
  /// Row labels as printed, the last one "Total".
  let rowNames: [String]
  /// `values[row][yearIndex]`; a decimal table holds hundredths.
  let values: [[Int]]
  /// `udvikling_pct` per row.
  let growth: [Int]

  /// Parses the embedded CSV text. Decimals are read as exact hundredths,
  /// never through floating point, so a printed `7.20` is exactly 720.
  init(number: Int, csv: String, hundredths: Bool) {
    self.number = number
    var names: [String] = []
    var values: [[Int]] = []
    var growth: [Int] = []
    for line in csv.split(separator: "\n").dropFirst() {
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      precondition(f.count == 7, "Tabel \(number): bad row \(line)")
      names.append(f[0])
      values.append(f[1...5].map { hundredths ? Self.hundredths($0) : Int($0)! })
      growth.append(Int(f[6])!)
    }
    self.rowNames = names
    self.values = values
    self.growth = growth
  }

  private static func hundredths(_ s: String) -> Int {
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    precondition(parts.count == 2 && parts[1].count == 2, "not a 2-decimal number: \(s)")
    return Int(parts[0])! * 100 + Int(parts[1])!
  }
}

/// The five tables of one speciale.
struct SpecialeTargets {
  let speciale: Int
  /// Tabel 19 / 29: udgift in kr by yder kommune.
  let udgift: PublishedTable
  /// Tabel 21 / 31: udgift per patient (kr) by yder kommune.
  let udgiftPerPatient: PublishedTable
  /// Tabel 23 / 33: ydelser by yder kommune.
  let ydelser: PublishedTable
  /// Tabel 25 / 35: ydelser per patient (hundredths) by yder kommune.
  let ydelserPerPatient: PublishedTable
  /// Tabel 26 / 36: patients by the patient's kommune.
  let patienter: PublishedTable

  var tables: [PublishedTable] { [udgift, udgiftPerPatient, ydelser, ydelserPerPatient, patienter] }

  static let speciale51 = SpecialeTargets(
    speciale: 51,
    udgift: PublishedTable(number: 19, csv: PublishedText.udgift51, hundredths: false),
    udgiftPerPatient: PublishedTable(number: 21, csv: PublishedText.udgiftPerPatient51, hundredths: false),
    ydelser: PublishedTable(number: 23, csv: PublishedText.ydelser51, hundredths: false),
    ydelserPerPatient: PublishedTable(number: 25, csv: PublishedText.ydelserPerPatient51, hundredths: true),
    patienter: PublishedTable(number: 26, csv: PublishedText.patienter51, hundredths: false))

  static let speciale62 = SpecialeTargets(
    speciale: 62,
    udgift: PublishedTable(number: 29, csv: PublishedText.udgift62, hundredths: false),
    udgiftPerPatient: PublishedTable(number: 31, csv: PublishedText.udgiftPerPatient62, hundredths: false),
    ydelser: PublishedTable(number: 33, csv: PublishedText.ydelser62, hundredths: false),
    ydelserPerPatient: PublishedTable(number: 35, csv: PublishedText.ydelserPerPatient62, hundredths: true),
    patienter: PublishedTable(number: 36, csv: PublishedText.patienter62, hundredths: false))
}

/// A clinic of Bilag 2: its kommune name and capacity per speciale, in
/// hundredths of a capacity unit (integers keep the weights exact).
struct PublishedClinic {
  let kommuneName: String
  let capacity51: Int
  let capacity62: Int

  static let all: [PublishedClinic] = PublishedText.clinics.split(separator: "\n").dropFirst().map {
    let f = $0.split(separator: ";").map(String.init)
    return PublishedClinic(kommuneName: f[0], capacity51: hundredths(f[1]), capacity62: hundredths(f[2]))
  }

  private static func hundredths(_ s: String) -> Int {
    let parts = s.split(separator: ".", omittingEmptySubsequences: false)
    let frac = parts.count > 1 ? String((parts[1] + "00").prefix(2)) : "00"
    return Int(parts[0])! * 100 + Int(frac)!
  }
}

enum PublishedText {

  /// Tabel 19.
  static let udgift51 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,2851115,2556645,2921802,2848484,2982369,5
Frederikshavn,3909758,3568649,4088694,3782278,3917386,0
Hjørring,4479298,4013587,4134739,3933381,4185541,-7
Jammerbugt,2786113,2418170,2641307,2602403,2636708,-5
Læsø,159772,134774,184729,142353,163684,2
Mariagerfjord,3502952,2983911,3450973,3470344,3605006,3
Morsø,1554096,1347673,1517906,1505476,1622648,4
Rebild,1746568,1447490,1746456,1753292,1691518,-3
Thisted,4094933,3419049,3969249,3915486,4150661,1
Vesthimmerlands,3228799,2903689,3277213,3374443,3837629,19
Aalborg,13822082,11870641,13724296,13478904,13643534,-1
Total,42135485,36664275,41657365,40806843,42436685,1
"""

  /// Tabel 21.
  static let udgiftPerPatient51 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,792,755,809,790,801,1
Frederikshavn,854,851,918,875,956,12
Hjørring,892,865,905,906,926,4
Jammerbugt,967,846,912,957,923,-5
Læsø,898,949,1207,968,1043,16
Mariagerfjord,967,892,977,976,1015,5
Morsø,888,825,950,927,975,10
Rebild,863,806,880,889,929,8
Thisted,953,881,979,937,1002,5
Vesthimmerlands,886,897,969,982,1029,16
Aalborg,810,759,817,835,855,6
Total,872,825,893,892,924,6
"""

  /// Tabel 23.
  static let ydelser51 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,25937,22150,25252,23846,23971,-8
Frederikshavn,34526,30533,34795,31328,31738,-8
Hjørring,39598,34361,35589,32992,33690,-15
Jammerbugt,25116,20813,22354,21993,21738,-13
Læsø,1384,1176,1639,1204,1328,-4
Mariagerfjord,32105,26394,30256,29908,30252,-6
Morsø,14356,11822,13219,12719,13426,-6
Rebild,15669,12744,15250,14915,13845,-12
Thisted,37317,30350,34863,33832,34826,-7
Vesthimmerlands,30234,25821,28860,29165,32307,7
Aalborg,131954,107247,124130,119121,115587,-12
Total,388196,323411,366207,351023,352708,-9
"""

  /// Tabel 25.
  static let ydelserPerPatient51 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,7.20,6.54,6.99,6.61,6.44,-11
Frederikshavn,7.54,7.28,7.81,7.25,7.75,3
Hjørring,7.88,7.41,7.79,7.60,7.46,-5
Jammerbugt,8.71,7.28,7.72,8.09,7.61,-13
Læsø,7.78,8.28,10.71,8.19,8.46,9
Mariagerfjord,8.86,7.89,8.57,8.41,8.51,-4
Morsø,8.20,7.24,8.27,7.83,8.06,-2
Rebild,7.75,7.10,7.69,7.56,7.61,-2
Thisted,8.68,7.82,8.60,8.10,8.41,-3
Vesthimmerlands,8.29,7.97,8.54,8.49,8.66,4
Aalborg,7.73,6.86,7.39,7.38,7.24,-6
Total,8.03,7.28,7.85,7.67,7.68,-4
"""

  /// Tabel 26.
  static let patienter51 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,3014,2854,3008,2897,3042,1
Frederikshavn,4453,4016,4270,4180,3991,-10
Hjørring,5249,4871,4814,4665,4805,-8
Jammerbugt,3391,3337,3391,3226,3327,-2
Læsø,167,125,143,142,149,-11
Mariagerfjord,3404,3159,3331,3348,3276,-4
Morsø,1763,1599,1558,1634,1702,-3
Rebild,2513,2265,2425,2341,2230,-11
Thisted,4261,3836,4033,4167,4127,-3
Vesthimmerlands,3317,2898,2971,3015,3333,0
Aalborg,16627,15274,16476,15952,15744,-5
Total,48028,44124,46281,45447,45620,-5
"""

  /// Tabel 29.
  static let udgift62 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,8656043,7357220,8137490,9095881,9308692,8
Frederikshavn,11038228,9383226,11016352,11337372,11672083,6
Hjørring,11836496,10137517,11594528,11936433,12234627,3
Jammerbugt,8822282,7783505,9533772,9890026,9927363,13
Læsø,374477,294302,290484,308534,263805,-30
Mariagerfjord,12786485,10439942,12298863,12300802,12203727,-5
Morsø,4408227,4081901,4711313,4711609,4867329,10
Rebild,4323651,3700536,4678019,4693417,5012549,16
Thisted,9431319,8671762,10177164,10001139,10682884,13
Vesthimmerlands,9868923,8834263,10070443,10587817,11336886,15
Aalborg,37111854,31027020,36463184,37525917,39651773,7
Total,118657985,101711192,118971611,122388950,127161717,7
"""

  /// Tabel 31.
  static let udgiftPerPatient62 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,12843,10480,12056,13182,12983,1
Frederikshavn,13094,11197,13418,13168,13478,3
Hjørring,13828,11969,13902,14043,14411,4
Jammerbugt,14439,12574,14873,14783,14514,1
Læsø,9134,9494,8544,9350,7994,-12
Mariagerfjord,14697,11891,14503,14472,14828,1
Morsø,13776,12332,14496,14023,15023,9
Rebild,12984,10337,12852,12651,13885,7
Thisted,13629,12179,14234,13353,14001,3
Vesthimmerlands,12751,11370,13627,13858,14628,15
Aalborg,13104,11046,13126,13130,13682,4
Total,13625,11616,13749,13721,14121,4
"""

  /// Tabel 33.
  static let ydelser62 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,35730,29532,32711,36287,36138,1
Frederikshavn,45556,38003,44334,44688,45337,0
Hjørring,46775,39475,44936,45587,45819,-2
Jammerbugt,35772,30954,37317,37477,37159,4
Læsø,1490,1092,1209,1221,1071,-28
Mariagerfjord,50197,40051,46370,46101,45311,-10
Morsø,18623,16957,18966,18758,19093,3
Rebild,17755,14437,18080,17808,18805,6
Thisted,38679,34640,39952,38689,40461,5
Vesthimmerlands,39370,34688,38935,40201,42115,7
Aalborg,153384,123775,143377,145038,151557,-1
Total,483331,403604,466187,471855,482866,0
"""

  /// Tabel 35.
  static let ydelserPerPatient62 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,53.01,42.07,48.46,52.59,50.40,-5
Frederikshavn,54.04,45.35,54.00,51.90,52.35,-3
Hjørring,54.64,46.61,53.88,53.63,53.97,-1
Jammerbugt,58.55,50.01,58.22,56.02,54.33,-7
Læsø,36.34,35.23,35.56,37.00,32.45,-11
Mariagerfjord,57.70,45.62,54.68,54.24,55.06,-5
Morsø,58.20,51.23,58.36,55.83,58.93,1
Rebild,53.32,40.33,49.67,48.00,52.09,-2
Thisted,55.89,48.65,55.88,51.65,53.03,-5
Vesthimmerlands,50.87,44.64,52.69,52.62,54.34,7
Aalborg,54.16,44.06,51.61,50.75,52.30,-3
Total,55.50,46.09,53.88,52.90,53.62,-3
"""

  /// Tabel 36.
  static let patienter62 = """
kommune,2019,2020,2021,2022,2023,udvikling_pct
Brønderslev,567,573,557,551,578,2
Frederikshavn,806,789,782,813,809,0
Hjørring,882,887,889,916,921,4
Jammerbugt,628,628,637,667,682,9
Læsø,31,26,27,27,28,-10
Mariagerfjord,815,816,789,808,766,-6
Morsø,329,340,337,350,345,5
Rebild,402,422,418,419,410,2
Thisted,679,700,700,728,742,9
Vesthimmerlands,671,677,649,673,674,0
Aalborg,2876,2840,2841,2932,2999,4
Total,8617,8648,8556,8833,8921,4
"""

  /// Bilag 2 clinics: kommune and capacity units per speciale.
  static let clinics = """
kommune;kapacitet_51;kapacitet_62
Brønderslev;2.76;2.62
Brønderslev;1.82;2.75
Brønderslev;0.56;0.89
Brønderslev;2.98;2.51
Frederikshavn;3.14;2.54
Frederikshavn;2.48;3.23
Frederikshavn;2.71;2.53
Frederikshavn;2;2.05
Frederikshavn;0.96;0.99
Hjørring;1.77;2.8
Hjørring;1.39;0.88
Hjørring;2.99;3.07
Hjørring;0.45;0.51
Hjørring;1.42;0.92
Hjørring;2.28;1.78
Hjørring;0.49;0.51
Hjørring;1.27;1.64
Jammerbugt;3.68;2.28
Jammerbugt;1.76;5.42
Jammerbugt;2.12;2.1
Læsø;0.49;0.34
Mariagerfjord;3.28;3.8
Mariagerfjord;3.91;5.63
Mariagerfjord;1.65;1.86
Mariagerfjord;1;1.36
Morsø;4.34;4.69
Rebild;1.84;2.28
Rebild;1.24;1.08
Rebild;1.88;1.29
Thisted;2.5;3
Thisted;7.34;4.9
Thisted;1.82;2.38
Vesthimmerlands;0.82;1.38
Vesthimmerlands;2.58;2.64
Vesthimmerlands;3.64;3.58
Vesthimmerlands;2.32;2.72
Aalborg;6.24;4.86
Aalborg;1.96;1.21
Aalborg;2.45;2.15
Aalborg;1.42;1.47
Aalborg;2.65;3.31
Aalborg;2.83;7.55
Aalborg;2.46;3.48
Aalborg;3.08;2.84
Aalborg;3.25;2.77
Aalborg;1.22;1.62
Aalborg;2.27;1.79
Aalborg;3.69;0.82
Aalborg;0.67;0.79
Aalborg;5.51;3.55
"""

}
