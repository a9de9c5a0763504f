package harvesttest

// Read-only tables the generator draws names and values from.

var firstNames = []string{
	"Priya", "Jonas", "Amara", "Liam", "Sofia", "Mateo", "Hana", "Noah", "Elif", "Oskar",
	"Chloé", "Kwame", "Ingrid", "Rafael", "Mei", "Tomás", "Aisha", "Lukas", "Zoë", "Dmytro",
	"Freya", "Arjun", "Camille", "Emeka", "Yuki", "Nora", "Bjørn", "Lucía", "Sami", "Ava",
	"Jasper", "Leila", "Marek", "Isla", "Kofi", "Anouk", "Ravi", "Greta", "Diego", "Maren",
}

var lastNames = []string{
	"Raman", "Berg", "Okafor", "Walsh", "Rossi", "García", "Sato", "Fischer", "Yılmaz", "Lindqvist",
	"Dubois", "Mensah", "Haugen", "Costa", "Chen", "Novak", "Rahman", "Weber", "Clarke", "Kovalenko",
	"O'Brien", "Iyer", "Laurent", "Eze", "Tanaka", "Nilsen", "Svensson", "Ortega", "Virtanen", "Murphy",
	"de Vries", "Haddad", "Kowalski", "MacLeod", "Boateng", "Jansen", "Pillai", "Schmidt", "Alvarez", "Holm",
}

var timezones = []string{
	"Eastern Time (US & Canada)", "Pacific Time (US & Canada)", "London", "Berlin", "Kyiv",
	"Oslo", "Tokyo", "Sydney", "Mumbai", "Lisbon",
}

// baseRoleNames are the roles ordinary users get; the featured users add spellings of them
// that differ only by case or white space, "unknown" and a blank name.
var baseRoleNames = []string{
	"Developer", "Designer", "Project Manager", "QA", "Data Engineer", "Sales", "Consultant", "Support",
}

var clientWords = []string{
	"Bluefjord", "Northwind", "Acme", "Brightline", "Cobalt", "Evergreen", "Fairhaven", "Granite",
	"Harbour", "Ironwood", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchard",
	"Pinecrest", "Quarry", "Riverbend", "Solstice", "Tidewater", "Umber", "Vantage", "Willow",
}

var clientKinds = []string{
	"Logistics AS", "Industries", "Corp", "Studio", "Health", "Foods Ltd", "Capital", "Labs",
	"Energy GmbH", "Media", "Retail Group", "Partners LLP",
}

var currencies = []string{"USD", "USD", "USD", "EUR", "EUR", "GBP", "NOK", "CAD", "AUD", "JPY"}

var projectThings = []string{
	"Fleet Portal", "Marketing Website", "Online Store", "Mobile App", "Data Platform", "Brand Refresh",
	"Customer Portal", "Billing Engine", "Analytics Dashboard", "Intranet", "Booking System",
	"Route Optimiser", "Design System", "Search", "Onboarding Flow", "Loyalty Programme",
	"API Gateway", "Warehouse Migration", "Support Desk", "Recruitment Site",
}

var projectKinds = []string{
	"Rebuild", "Redesign", "Phase 1", "Phase 2", "Maintenance", "Discovery", "MVP", "Retainer",
	"Audit", "Launch", "Integration", "R&D",
}

// taskTable is the account's task list: name, billable by default, hourly rate ("" = none).
var taskTable = []struct {
	name     string
	billable bool
	rate     string
}{
	{"Programming", true, "150.0"},
	{"Graphic Design", true, "120.0"},
	{"Project Management", true, "130.0"},
	{"Research", true, ""},
	{"Testing", true, "110.0"},
	{"Code Review", true, "150.0"},
	{"Documentation", true, ""},
	{"Support", true, "95.0"},
	{"Business Development", false, ""},
	{"Meetings", false, ""},
	{"Training", false, ""},
	{"Travel", false, "60.0"},
	{"Marketing", true, "100.0"},         // archived
	{"Legacy Maintenance", true, "90.0"}, // archived
}

const activeTasks = 12 // the last rows of taskTable are archived

var billableRates = []string{"95.0", "100.0", "120.0", "140.0", "150.0", "175.0", "132.5"}

var costRates = []string{"45.0", "52.5", "60.0", "68.75", "75.0", "82.5", "90.0"}

var weeklyCapacities = []int64{126000, 144000, 144000, 144000, 108000, 72000}

var entryNotes = []string{
	"Route-optimisation API: pagination + tests",
	"Weekly sync with client",
	"Fixing flaky checkout tests",
	"Wireframes for onboarding",
	"Code review",
	"Sprint planning",
	"Investigating production incident",
	"Copy edits after feedback",
	"Data migration dry run",
	"Café Zürich workshop — notes sent",
	"R&D: <prototype> spike & write-up",
	"Standup",
	"Release 2.4 deployment",
	"Budget review\nfollow-up items in doc",
}

// entryTimes are (started_time, ended_time) pairs for accounts that track start and end.
var entryTimes = [][2]string{
	{"9:00am", "11:15am"}, {"1:00pm", "2:00pm"}, {"3:00pm", "5:00pm"}, {"10:30am", "12:00pm"}, {"8:45am", "9:30am"},
}
