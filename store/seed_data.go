package store

// Tables the synthetic data is drawn from. Approximate, public-knowledge figures: they make the data look like
// Indonesia's (most participants in Java, Indonesian names), not a census.

// province is one province's NIK code, population weight (hundred thousands, ~2020 census) and how many regencies
// (kabupaten, codes 01..) and cities (kota, codes 71..) it has, so NIK regency codes are plausible.
type province struct {
	code, weight, regencies, cities int
}

var provinces = []province{
	{11, 54, 18, 5}, {12, 148, 25, 8}, {13, 55, 12, 7}, {14, 64, 10, 2}, {15, 35, 9, 2}, {16, 85, 13, 4},
	{17, 20, 9, 1}, {18, 90, 13, 2}, {19, 15, 6, 1}, {21, 21, 5, 2},
	{31, 106, 1, 5}, {32, 484, 18, 9}, {33, 365, 29, 6}, {34, 37, 4, 1}, {35, 406, 29, 9}, {36, 119, 4, 4},
	{51, 43, 8, 1}, {52, 53, 8, 2}, {53, 53, 21, 1},
	{61, 54, 12, 2}, {62, 27, 13, 1}, {63, 41, 11, 2}, {64, 38, 7, 3}, {65, 7, 4, 1},
	{71, 26, 11, 4}, {72, 30, 12, 1}, {73, 90, 21, 3}, {74, 26, 15, 2}, {75, 12, 5, 1}, {76, 14, 6, 0},
	{81, 18, 9, 2}, {82, 13, 8, 2},
	{91, 5, 7, 0}, {92, 6, 5, 1}, {94, 10, 8, 1}, {95, 5, 4, 0}, {96, 14, 8, 0}, {97, 14, 8, 0},
}

var maleNames = []string{
	"Agus", "Budi", "Joko", "Slamet", "Bambang", "Hendra", "Rudi", "Andi", "Dedi", "Eko", "Fajar", "Hadi",
	"Irfan", "Wahyu", "Yusuf", "Rizki", "Arif", "Bayu", "Dimas", "Gilang", "Hasan", "Iwan", "Kurniawan", "Made",
	"Nyoman", "Putu", "Ketut", "Rahmat", "Sutrisno", "Teguh", "Umar", "Wayan", "Yoga", "Zainal", "Ahmad",
	"Muhammad", "Saputra", "Hidayat", "Setiawan", "Pratama", "Nugroho", "Santoso", "Siregar", "Nasution",
	"Lubis", "Simanjuntak", "Tanjung", "Harahap", "Sinaga", "Wijaya",
}

var femaleNames = []string{
	"Siti", "Sri", "Dewi", "Ani", "Rina", "Lestari", "Wulan", "Indah", "Nur", "Fitri", "Ayu", "Putri", "Rahayu",
	"Yuliana", "Kartika", "Maya", "Novi", "Ratna", "Sari", "Utami", "Wati", "Yanti", "Aisyah", "Fatimah",
	"Nurhayati", "Suryani", "Handayani", "Puspita", "Anggraini", "Permata", "Kusuma", "Maharani", "Safitri",
	"Oktaviani", "Purnamasari", "Rosalina", "Susanti", "Melati", "Intan", "Dian",
}

var places = []string{
	"Cimahi", "Sukajadi", "Tegalrejo", "Kebayoran", "Ciputat", "Wonokromo", "Banjarsari", "Sumbersari",
	"Karangasem", "Medan Baru", "Padang Utara", "Sukarame", "Kemayoran", "Tanah Abang", "Gondokusuman",
	"Jatinegara", "Cibinong", "Bekasi Timur", "Depok Jaya", "Sleman", "Bantul", "Kuta", "Denpasar Selatan",
	"Mataram", "Kupang Kota", "Pontianak Barat", "Banjarbaru", "Samarinda Ilir", "Manado Tengah", "Palu Timur",
	"Makassar", "Kendari Barat", "Ambon", "Ternate Selatan", "Jayapura Utara", "Sorong", "Merauke", "Nabire",
	"Wamena", "Lhokseumawe", "Pekanbaru Kota", "Jambi Selatan", "Palembang Ilir", "Bengkulu Kota",
	"Pangkalpinang", "Batam Kota", "Serang", "Tangerang", "Cilegon", "Semarang Tengah",
}

// FKTP kinds and their shares: most participants are registered with a puskesmas.
var fktpKinds = []struct {
	prefix string
	weight int
}{{"Puskesmas ", 60}, {"Klinik Pratama ", 25}, {"Praktik dr. ", 15}}
