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

// Riding physiotherapy by the patient's kommune (Tabel 16, 17, 43–57) and
// the regional comparisons 2020–2023 (Tabel 18–34 even, 42–56 even), for the
// national part of the samples (see NationalDesign.swift).
extension PublishedText {
  /// Tabel number → its CSV text as transcribed.
  static let national: [Int: String] = [
    16: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,62,63,59,61,63,2
      Frederikshavn,34,37,42,42,38,12
      Hjørring,83,76,81,93,85,2
      Jammerbugt,94,104,98,96,101,7
      Mariagerfjord,49,46,48,46,51,4
      Morsø,58,57,54,49,49,-16
      Rebild,51,46,44,47,51,0
      Thisted,86,91,88,86,90,5
      Vesthimmerlands,69,73,74,75,78,13
      Aalborg,219,219,220,226,219,0
      Total,797,803,799,811,816,2
      """,
    17: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,4,6,6,10,16,300
      Frederikshavn,3,4,8,5,8,167
      Hjørring,6,3,5,10,16,167
      Jammerbugt,4,5,7,7,13,225
      Mariagerfjord,16,15,15,17,16,0
      Morsø,2,2,3,4,5,150
      Rebild,4,3,3,2,2,-50
      Thisted,2,2,3,2,5,150
      Vesthimmerlands,3,3,7,10,10,233
      Aalborg,22,22,19,19,19,-14
      Total,66,65,75,85,110,67
      """,
    43: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,1099939,884636,1052126,1118722,1242941,13
      Frederikshavn,505888,548482,708486,758462,746211,48
      Hjørring,1264760,956135,1423565,1643230,1753790,39
      Jammerbugt,1843273,1665653,1989612,2313102,1869971,1
      Mariagerfjord,834937,742094,921781,1011725,1073968,29
      Morsø,1049806,707848,1004652,1024778,1031390,-2
      Rebild,943274,738253,809303,870362,900295,-5
      Thisted,1648778,1284289,1563493,1656298,1771009,7
      Vesthimmerlands,1366452,1268248,1486380,1576406,1703154,25
      Aalborg,4002598,2961560,3758925,3682061,3626256,-9
      Total,14559707,11757198,14718322,15655145,15718984,8
      """,
    45: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,17741,14042,17833,18340,19729,11
      Frederikshavn,14879,14824,16869,18059,19637,32
      Hjørring,15238,12581,17575,17669,20633,35
      Jammerbugt,19609,16016,20302,24095,18515,-6
      Mariagerfjord,17040,16132,19204,21994,21058,24
      Morsø,18100,12418,18605,20914,21049,16
      Rebild,18496,16049,18393,18518,17653,-5
      Thisted,19172,14113,17767,19259,19678,3
      Vesthimmerlands,19804,17373,20086,21019,21835,10
      Aalborg,18277,13523,17086,16292,16558,-9
      Total,18268,14642,18421,19304,19263,5
      """,
    47: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,9114,6822,8180,7847,8132,-11
      Frederikshavn,4142,3808,5361,5294,4931,19
      Hjørring,11349,8352,10955,11991,12399,9
      Jammerbugt,15057,12618,15000,16787,12013,-20
      Mariagerfjord,7065,5344,7080,8244,8254,17
      Morsø,9338,5875,8159,8071,7994,-14
      Rebild,8013,5637,6475,7262,7071,-12
      Thisted,13126,9816,11822,12578,12849,-2
      Vesthimmerlands,10951,9115,11372,12336,12645,15
      Aalborg,33980,22086,30375,29811,26383,-22
      Total,122135,89473,114779,120221,112671,-8
      """,
    49: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,147,108,139,129,129,-12
      Frederikshavn,122,103,128,126,130,7
      Hjørring,137,110,135,129,146,7
      Jammerbugt,160,121,153,175,119,-26
      Mariagerfjord,144,116,148,179,162,12
      Morsø,161,103,151,165,163,1
      Rebild,157,123,147,155,139,-12
      Thisted,153,108,134,146,143,-6
      Vesthimmerlands,159,125,154,164,162,2
      Aalborg,155,101,138,132,120,-22
      Total,153,111,144,148,138,-10
      """,
    51: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,61982,68189,87228,109892,191160,208
      Frederikshavn,22989,25108,41413,61731,70287,206
      Hjørring,42572,28844,42901,75854,134266,215
      Jammerbugt,35328,79866,103446,112649,169525,380
      Mariagerfjord,173576,113678,173543,223340,244138,41
      Morsø,26515,18649,32127,42089,67514,155
      Rebild,29285,8077,21619,8968,40761,39
      Thisted,14807,22388,27608,27735,55064,272
      Vesthimmerlands,64238,47634,94872,130748,104367,62
      Aalborg,222047,190142,198261,188998,231372,4
      Total,693340,602575,823019,982005,1308455,89
      """,
    53: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,15496,11365,14538,10989,11947,-23
      Frederikshavn,7663,6277,5177,12346,8786,15
      Hjørring,7095,9615,8580,7585,8392,18
      Jammerbugt,8832,15973,14778,16093,13040,48
      Mariagerfjord,10849,7579,11570,13138,15259,41
      Morsø,13257,9325,10709,10522,13503,2
      Rebild,7321,2692,7206,4484,20381,178
      Thisted,7403,11194,9203,13868,11013,49
      Vesthimmerlands,21413,15878,13553,13075,10437,-51
      Aalborg,10093,8643,10435,9947,12177,21
      Total,10505,9270,10974,11553,11895,13
      """,
    55: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,576,552,725,822,1364,137
      Frederikshavn,227,220,416,584,661,191
      Hjørring,458,293,422,739,1161,153
      Jammerbugt,296,658,902,907,1115,277
      Mariagerfjord,1641,1032,1581,2025,2089,27
      Morsø,302,194,327,420,660,119
      Rebild,314,86,299,108,386,23
      Thisted,152,193,252,252,462,204
      Vesthimmerlands,540,419,786,1143,878,63
      Aalborg,2398,1623,1913,1659,1998,-17
      Total,6904,5270,7623,8659,10774,56
      """,
    57: """
      kommune,2019,2020,2021,2022,2023,udvikling_pct
      Brønderslev,144,92,121,82,85,-41
      Frederikshavn,76,55,52,117,83,9
      Hjørring,76,98,84,74,73,-5
      Jammerbugt,74,132,129,130,86,16
      Mariagerfjord,103,69,105,119,131,27
      Morsø,151,97,109,105,132,-13
      Rebild,79,29,100,54,193,146
      Thisted,76,97,84,126,92,22
      Vesthimmerlands,180,140,112,114,88,-51
      Aalborg,109,74,101,87,105,-4
      Total,105,81,102,102,98,-6
      """,
    18: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,36.7,41.7,40.8,42.4,16
      Region Midtjylland,91.5,103.7,100.5,106.8,17
      Region Syddanmark,76.5,84.9,81.9,86.3,13
      Region Sjælland,53.7,60.4,58.1,61.6,15
      Region Hovedstaden,120.0,135.7,133.5,139.4,16
      Total,378.4,426.4,414.8,436.6,15
      """,
    20: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,825,893,892,924,12
      Region Midtjylland,857,937,937,967,13
      Region Syddanmark,840,913,912,944,12
      Region Sjælland,839,925,905,943,12
      Region Hovedstaden,856,952,952,973,14
      Total,850,933,930,959,13
      """,
    22: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,323411,366207,351023,352708,8
      Region Midtjylland,833534,949763,905460,930311,10
      Region Syddanmark,700598,780212,747353,753123,7
      Region Sjælland,483924,542842,512231,531676,9
      Region Hovedstaden,1088767,1240195,1206182,1228080,11
      Total,3430234,3879219,3722249,3795898,10
      """,
    24: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,7.28,7.85,7.67,7.68,6
      Region Midtjylland,7.81,8.58,8.44,8.42,8
      Region Syddanmark,7.69,8.39,8.33,8.24,7
      Region Sjælland,7.56,8.32,7.98,8.14,8
      Region Hovedstaden,7.77,8.71,8.60,8.58,10
      Total,7.71,8.49,8.35,8.34,8
      """,
    28: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,101.7,119.0,122.4,127.2,25
      Region Midtjylland,222.9,261.5,272.0,280.8,26
      Region Syddanmark,183.1,218.7,228.6,233.4,27
      Region Sjælland,117.9,139.1,148.1,157.4,33
      Region Hovedstaden,234.7,279.1,304.4,320.0,36
      Total,860.4,1017.4,1075.5,1118.8,30
      """,
    30: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,11616,13749,13721,14121,22
      Region Midtjylland,11744,13688,13713,14008,19
      Region Syddanmark,10588,12522,12773,13115,24
      Region Sjælland,9698,11477,11917,12519,29
      Region Hovedstaden,11279,13272,13885,14425,28
      Total,11102,13066,13363,13782,24
      """,
    32: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,403604,466187,471855,482866,20
      Region Midtjylland,902039,1049225,1076862,1098258,22
      Region Syddanmark,728825,861641,889521,898451,23
      Region Sjælland,461189,539547,570769,601672,30
      Region Hovedstaden,958679,1129594,1214135,1259622,31
      Total,3454336,4046194,4223142,4340869,26
      """,
    34: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Nordjylland,46.09,53.88,52.90,53.62,16
      Region Midtjylland,47.52,54.92,54.29,54.79,15
      Region Syddanmark,42.14,49.34,49.70,50.48,20
      Region Sjælland,37.92,44.52,45.91,47.85,26
      Region Hovedstaden,46.07,53.71,55.39,56.78,23
      Total,44.57,51.96,52.47,53.47,20
      """,
    42: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,8658072,9128026,9150000,9281002,7
      Region Midtjylland,24603637,29359070,29280165,30126429,22
      Region Nordjylland,11764165,14718322,15656620,15718984,34
      Region Sjælland,17126216,20072090,20644102,21877479,28
      Region Syddanmark,21978321,25191102,27333604,27662961,26
      Total,84130411,98468610,102064491,104666856,24
      """,
    44: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,13942,16596,17596,18525,33
      Region Midtjylland,14140,17783,18243,19820,40
      Region Nordjylland,14650,18421,19305,19263,31
      Region Sjælland,15116,18936,19062,21491,42
      Region Syddanmark,14244,17828,19088,19717,38
      Total,14441,18081,18776,19956,38
      """,
    46: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,66822,73117,67905,64447,-4
      Region Midtjylland,184807,223851,225806,220498,19
      Region Nordjylland,89527,114779,120233,112671,26
      Region Sjælland,126301,150662,156057,153972,22
      Region Syddanmark,179060,215278,230613,217809,22
      Total,646517,777687,800614,769397,19
      """,
    48: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,108,133,131,129,20
      Region Midtjylland,106,136,141,145,37
      Region Nordjylland,111,144,148,138,24
      Region Sjælland,111,142,144,151,36
      Region Syddanmark,116,152,161,155,34
      Total,111,143,147,147,32
      """,
    50: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,201396,387883,224593,141001,-30
      Region Midtjylland,3265132,3811041,3510489,3817916,17
      Region Nordjylland,602575,823019,982005,1308455,117
      Region Sjælland,1344785,1483513,1641006,1623997,21
      Region Syddanmark,860125,942409,1053984,1113612,29
      Total,6274013,7447865,7412078,8004981,28
      """,
    52: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,7746,9946,7245,8813,14
      Region Midtjylland,8825,11445,10768,11500,30
      Region Nordjylland,9270,10974,11553,11895,28
      Region Sjælland,8789,9696,10940,11768,34
      Region Syddanmark,7108,8808,9411,9943,40
      Total,8548,10549,10559,11306,32
      """,
    54: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,1888,3673,2001,1079,-43
      Region Midtjylland,29215,34385,32067,32882,13
      Region Nordjylland,5270,7623,8659,10774,104
      Region Sjælland,10863,12170,12992,12413,14
      Region Syddanmark,8355,9846,10941,10786,29
      Total,55591,67697,66660,67934,22
      """,
    56: """
      region,2020,2021,2022,2023,udvikling_pct
      Region Hovedstaden,73,94,65,67,-7
      Region Midtjylland,79,103,98,99,25
      Region Nordjylland,81,102,102,98,21
      Region Sjælland,71,80,87,90,27
      Region Syddanmark,69,92,98,96,39
      Total,76,96,95,96,27
      """,
  ]
}
