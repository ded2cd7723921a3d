// infusim Uno firmware: protocol, pump state machine, drug library, alarms, motor.
//
// Units, all integers (no floating point on the AVR):
//   volumes in microlitres (uL), rates in uL/h, times in ms, doses and concentrations in
//   thousandths of the drug's unit ("milli"), weights in grams.
// Delivery is counted in "rate units": uL/h * ms; 3,600,000 of them make one microlitre.
#include "infusim.h"
#include <avr/pgmspace.h>
#include <string.h>

typedef const __FlashStringHelper *FStr;
#define FS(p) (reinterpret_cast<FStr>(p))

#define FW_VERSION "0.1.0"
#define LIB_ID "uno-demo@1"
#define INFUSIM_LINE_MAX 120
#define MAX_ARGS 12

#define UNITS_PER_UL 3600000UL
#define STROKE_UNITS (INFUSIM_STROKE_UL * UNITS_PER_UL)
#define STATUS_PERIOD_MS 1000UL
#define SILENCE_MS 120000UL
#define REMINDER_MS 180000UL // reminder signal of an acknowledged medium/low alarm (docs/clinical.md)
#define ESCALATE_MS 600000UL
#define NEAR_END_MS 300000UL // NEAR_END when at most 5 min of the VTBI is left at the programmed rate
#define RATE_STEP 100UL      // rates are set in steps of 0.1 mL/h (100 uL/h)
#define TICK_MAX_MS 86400000UL

#define RATE_MIN 100UL
#define RATE_MAX 999000UL
#define VTBI_MIN 100UL
#define VTBI_MAX 9999000UL
#define KVO_MIN 100UL
#define KVO_MAX 20000UL
#define KVO_DEFAULT 1000UL
#define BOLUS_VOL_MIN 100UL
#define BOLUS_VOL_MAX 100000UL
#define BOLUS_RATE_MIN 10000UL
#define BOLUS_RATE_MAX 1200000UL
#define BOLUS_RATE_DEFAULT 300000UL
#define WEIGHT_MIN 100UL
#define WEIGHT_MAX 350000UL

#define BATT_EMPTY_MV 3300UL
#define BATT_FULL_MV 4200UL
#define BATT_LOW_PCT 20
#define BATT_LOW_CLEAR_PCT 25
#define BATT_DEPLETED_PCT 5

// ---------------------------------------------------------------- tables in flash

enum State : uint8_t { ST_IDLE, ST_PROGRAMMED, ST_RUNNING, ST_PAUSED, ST_KVO, ST_COMPLETE, ST_ALARM };
static const char sIdle[] PROGMEM = "IDLE";
static const char sProgrammed[] PROGMEM = "PROGRAMMED";
static const char sRunning[] PROGMEM = "RUNNING";
static const char sPaused[] PROGMEM = "PAUSED";
static const char sKvo[] PROGMEM = "KVO";
static const char sComplete[] PROGMEM = "COMPLETE";
static const char sAlarm[] PROGMEM = "ALARM";
static const char *const STATE_NAMES[] PROGMEM = {sIdle, sProgrammed, sRunning, sPaused, sKvo, sComplete, sAlarm};

static const char pNone[] PROGMEM = "-";
static const char pLow[] PROGMEM = "low";
static const char pMedium[] PROGMEM = "medium";
static const char pHigh[] PROGMEM = "high";
static const char *const PRIO_NAMES[] PROGMEM = {pNone, pLow, pMedium, pHigh};

#define AF_LATCH 1
#define AF_STOPS 2
#define AF_PAUSABLE 4
struct AlarmSpec {
  char id[17];
  uint8_t prio;
  uint8_t flags;
};
enum AlarmIdx : uint8_t { A_OCCL, A_AIR, A_DOOR, A_BATT_DEPLETED, A_VTBI, A_NEAR_END, A_LOW_BATT, A_COUNT };
static const AlarmSpec ALARMS[A_COUNT] PROGMEM = {
    {"OCCLUSION_DOWN", 3, AF_LATCH | AF_STOPS | AF_PAUSABLE},
    {"AIR_IN_LINE", 3, AF_LATCH | AF_STOPS | AF_PAUSABLE},
    {"DOOR_OPEN", 3, AF_STOPS | AF_PAUSABLE},
    {"BATTERY_DEPLETED", 3, AF_LATCH | AF_STOPS},
    {"VTBI_COMPLETE", 2, AF_LATCH | AF_PAUSABLE},
    {"NEAR_END", 1, AF_PAUSABLE},
    {"LOW_BATTERY", 1, AF_PAUSABLE},
};

// Drug library: four limits per drug (lower hard, lower soft, upper soft, upper hard) on the dose
// rate, in thousandths of the dose unit. conc is in thousandths of the dose's mass unit per mL.
#define DF_PERKG 1
#define DF_PERMIN 2
struct Drug {
  uint8_t area;
  char id[10];
  char unit[11];
  uint8_t flags;
  uint32_t conc;
  uint32_t lim[4];
};
static const char areaIcu[] PROGMEM = "icu";
static const char areaWard[] PROGMEM = "ward";
static const char *const AREAS[] PROGMEM = {areaIcu, areaWard};
#define AREA_COUNT 2
static const Drug LIB[] PROGMEM = {
    {0, "heparin", "units/kg/h", DF_PERKG, 100000UL, {2000UL, 10000UL, 25000UL, 40000UL}},
    {0, "insulin", "units/h", 0, 1000UL, {100UL, 500UL, 15000UL, 30000UL}},
    {0, "dopamine", "mcg/kg/min", DF_PERKG | DF_PERMIN, 1600000UL, {1000UL, 2000UL, 20000UL, 25000UL}},
    {0, "morphine", "mg/h", 0, 1000UL, {500UL, 1000UL, 10000UL, 15000UL}},
    {1, "heparin", "units/kg/h", DF_PERKG, 100000UL, {5000UL, 10000UL, 20000UL, 25000UL}},
    {1, "morphine", "mg/h", 0, 1000UL, {500UL, 1000UL, 5000UL, 8000UL}},
};
#define LIB_COUNT (sizeof(LIB) / sizeof(LIB[0]))

// ---------------------------------------------------------------- state

enum Mode : uint8_t { MODE_NONE, MODE_BASIC, MODE_DRUG };
enum EndMode : uint8_t { END_STOP, END_KVO, END_CONTINUE };

static uint32_t now;             // pump time, ms since power on
static uint8_t state = ST_IDLE;
static uint8_t resumeState = ST_RUNNING;
static uint8_t area;
static uint8_t mode = MODE_NONE;
static uint8_t endMode = END_KVO;
static uint8_t drugIdx;
static uint32_t rate, vtbi, kvoSet, vi, dose, weight;
static bool vtbiDone;
static bool nearEnd;             // NEAR_END was raised for this program (until VTBI end, STOP, TITRATE)
static bool bolusActive;
static uint32_t bolusVol, bolusDone, bolusRate;
static uint32_t acc;             // delivery accumulator, rate units
static uint32_t nextStatusAt;

static uint8_t alarmRaised, alarmAcked, alarmCause;
static bool lowBattEscalated;
static uint32_t lowBattRaisedAt;
static bool silenced;
static uint32_t silenceUntil;
// Per alarm, while acknowledged with its cause present: the end of the audio pause (high priority
// that may be paused) or the next reminder signal (medium and low). docs/protocol.md, "Alarms".
static uint32_t ackTimer[A_COUNT];
static uint8_t audioPrio;        // 0 off .. 3 high

#define S_OCCL 1
#define S_AIR 2
#define S_DOOR 4
#define S_ON_BATT 8
static uint8_t sensors;
static uint8_t battPct = 100;
#ifndef INFUSIM_TEST_CLOCK
static uint8_t sensorsLastRaw, sensorsStable;
static uint32_t lastSensorMs, lastBattMs, lastMillis;
#endif

static uint32_t logCount;
static uint32_t logHash = 2166136261UL;

static char line[INFUSIM_LINE_MAX + 1];
static uint8_t lineLen;
static bool lineTooLong, lineBadChar, pendingCR;

static const char *reqId;
static const char *argKey[MAX_ARGS];
static const char *argVal[MAX_ARGS];
static uint8_t argCount;
static uint16_t argUsed;

// ---------------------------------------------------------------- output

// Everything goes through `out`; while `hashing` is set the bytes also feed the event log hash.
class LogOut : public Print {
public:
  bool hashing;
  size_t write(uint8_t b) override {
    if (hashing) logHash = (logHash ^ b) * 16777619UL;
    return Serial.write(b);
  }
};
static LogOut out;

static void hashBytes(const char *s, uint8_t n) {
  for (uint8_t i = 0; i < n; i++) logHash = (logHash ^ (uint8_t)s[i]) * 16777619UL;
  logHash = (logHash ^ '\n') * 16777619UL;
  logCount++;
}

static FStr stateName(uint8_t s) { return FS(pgm_read_word(&STATE_NAMES[s])); }
static FStr prioName(uint8_t p) { return FS(pgm_read_word(&PRIO_NAMES[p])); }
static FStr alarmName(uint8_t a) { return FS(ALARMS[a].id); }
static uint8_t alarmFlags(uint8_t a) { return pgm_read_byte(&ALARMS[a].flags); }

static void endLine() {
  out.write('\n');
  out.hashing = false;
}

// Thousandths as a decimal: 14400 -> "14.4", 250000 -> "250", 13125 -> "13.125".
static void printMilli(uint32_t v) {
  out.print(v / 1000UL);
  uint16_t f = v % 1000UL;
  if (f == 0) return;
  out.write('.');
  uint16_t div = 100;
  while (f != 0) {
    out.write('0' + f / div);
    f %= div;
    div /= 10;
  }
}

static void key(FStr k) {
  out.write(' ');
  out.print(k);
  out.write('=');
}

static void evBegin(FStr name) {
  out.hashing = true;
  logCount++;
  out.print(F("! "));
  out.print(name);
  key(F("t"));
  out.print(now);
}

static void replyOk() {
  out.print(reqId);
  out.print(F(" OK"));
}

static void replyErr(FStr code, FStr reason) {
  out.print(reqId);
  out.print(F(" ERR "));
  out.print(code);
  out.write(' ');
  out.print(reason);
  endLine();
}
#define FAIL(code, reason)              \
  do {                                  \
    replyErr(F(code), F(reason));       \
    return;                             \
  } while (0)

// ---------------------------------------------------------------- pump helpers

static bool flowing() { return state == ST_RUNNING || state == ST_KVO; }

static uint32_t deliveryRate() {
  if (state == ST_RUNNING) return bolusActive ? bolusRate : rate;
  if (state == ST_KVO) return kvoSet < rate ? kvoSet : rate; // KVO never above the programmed rate
  return 0;
}

static void setState(uint8_t s, FStr reason) {
  if (s == state) return;
  bool wasFlowing = flowing();
  state = s;
  // Status lines at whole seconds of pump time, like the simulator's.
  if (flowing() && !wasFlowing) nextStatusAt = (now / STATUS_PERIOD_MS + 1) * STATUS_PERIOD_MS;
  evBegin(F("STATE"));
  key(F("state"));
  out.print(stateName(s));
  key(F("reason"));
  out.print(reason);
  endLine();
}

static void emitRate() {
  evBegin(F("RATE"));
  key(F("rate"));
  printMilli(deliveryRate());
  endLine();
}

static void endBolus() {
  if (!bolusActive) return;
  bolusActive = false;
  evBegin(F("BOLUS_END"));
  key(F("volume"));
  printMilli(bolusDone);
  endLine();
}

static uint8_t stopsRaised() {
  uint8_t m = 0;
  for (uint8_t a = 0; a < A_COUNT; a++)
    if ((alarmRaised & (1 << a)) && (alarmFlags(a) & AF_STOPS)) m |= 1 << a;
  return m;
}

static uint8_t alarmPrio(uint8_t a) {
  if (a == A_LOW_BATT && lowBattEscalated) return 2;
  return pgm_read_byte(&ALARMS[a].prio);
}

// The highest-priority raised alarm (first in table order on ties), or A_COUNT.
static uint8_t topAlarm() {
  uint8_t best = A_COUNT, bestPrio = 0;
  for (uint8_t a = 0; a < A_COUNT; a++) {
    if (!(alarmRaised & (1 << a))) continue;
    uint8_t p = alarmPrio(a);
    if (p > bestPrio) {
      best = a;
      bestPrio = p;
    }
  }
  return best;
}

static void printStatusFields() {
  key(F("t"));
  out.print(now);
  key(F("state"));
  out.print(stateName(state));
  key(F("mode"));
  out.print(mode == MODE_BASIC ? F("basic") : mode == MODE_DRUG ? F("drug") : F("-"));
  key(F("drug"));
  if (mode == MODE_DRUG)
    out.print(FS(LIB[drugIdx].id));
  else
    out.write('-');
  key(F("rate"));
  printMilli(deliveryRate());
  key(F("vi"));
  printMilli(vi);
  key(F("vtbi"));
  printMilli(mode == MODE_NONE ? 0 : vtbi);
  uint8_t top = topAlarm();
  key(F("alarm"));
  out.print(top < A_COUNT ? alarmName(top) : F("-"));
  key(F("prio"));
  out.print(prioName(top < A_COUNT ? alarmPrio(top) : 0));
  key(F("batt"));
  out.print(battPct);
  key(F("mains"));
  out.write(sensors & S_ON_BATT ? '0' : '1');
}

static void printStatusLine() {
  out.print(F("* STATUS"));
  printStatusFields();
  endLine();
}

// ---------------------------------------------------------------- alarms

// What ACK does while the cause persists: pause the audio (high, may be paused), give reminder
// signals (medium, low), or nothing (may not be paused).
#define ACK_PAUSE 1
#define ACK_REMINDER 2
#define ACK_NONE 0
static uint8_t ackKind(uint8_t a) {
  if (!(alarmFlags(a) & AF_PAUSABLE)) return ACK_NONE;
  return alarmPrio(a) == 3 ? ACK_PAUSE : ACK_REMINDER;
}

// An acknowledged alarm whose cause persists: re-annunciated after its pause, or reminded.
static void ackTimers() {
  for (uint8_t a = 0; a < A_COUNT; a++) {
    uint8_t bit = 1 << a;
    if (!(alarmRaised & bit) || !(alarmAcked & bit) || !(alarmCause & bit)) continue;
    uint8_t k = ackKind(a);
    if (k == ACK_NONE || (int32_t)(now - ackTimer[a]) < 0) continue;
    if (k == ACK_PAUSE) {
      alarmAcked &= ~bit;
    } else {
      evBegin(F("REMINDER"));
      key(F("id"));
      out.print(alarmName(a));
      endLine();
      ackTimer[a] += REMINDER_MS;
      if ((int32_t)(now - ackTimer[a]) >= 0) ackTimer[a] = now + REMINDER_MS;
    }
  }
}

static void updateAudio() {
  if (silenced && (int32_t)(now - silenceUntil) >= 0) silenced = false;
  uint8_t best = 0;
  for (uint8_t a = 0; a < A_COUNT; a++) {
    uint8_t bit = 1 << a;
    if (!(alarmRaised & bit)) continue;
    if (alarmAcked & bit) {
      uint8_t k = ackKind(a);
      if (k == ACK_REMINDER || !(alarmCause & bit)) continue;
      if (k == ACK_PAUSE && (int32_t)(now - ackTimer[a]) < 0) continue;
    }
    if (silenced && (alarmFlags(a) & AF_PAUSABLE)) continue;
    uint8_t p = alarmPrio(a);
    if (p > best) best = p;
  }
  if (best == audioPrio) return;
  audioPrio = best;
  evBegin(F("AUDIO"));
  key(F("prio"));
  out.print(best ? prioName(best) : F("off"));
  endLine();
}

static void endAlarm(uint8_t a) {
  uint8_t bit = 1 << a;
  alarmRaised &= ~bit;
  alarmAcked &= ~bit;
  if (a == A_LOW_BATT) lowBattEscalated = false;
  evBegin(F("ALARM_END"));
  key(F("id"));
  out.print(alarmName(a));
  endLine();
}

// Delivery still to go before the VTBI is done, in rate units (uL/h * ms).
static uint64_t remainingUnits() {
  if (vi >= vtbi) return 0;
  uint64_t u = (uint64_t)(vtbi - vi) * UNITS_PER_UL;
  return u > acc ? u - acc : 0;
}

// NEAR_END is judged as the model does: once per program, while running the programmed rate (not
// during a bolus), when what is left takes at most NEAR_END_MS at the programmed rate.
static bool nearEndDue() {
  return !nearEnd && state == ST_RUNNING && !bolusActive && !vtbiDone && rate != 0 &&
         remainingUnits() <= (uint64_t)rate * NEAR_END_MS;
}

static uint8_t computeCauses() {
  uint8_t c = 0;
  if (nearEndDue()) nearEnd = true;
  bool fl = flowing();
  // The occlusion and air sensors only mean something while the mechanism pumps; once the alarm
  // is raised the sensor keeps it present until the condition is gone.
  if ((sensors & S_OCCL) && (fl || (alarmRaised & (1 << A_OCCL)))) c |= 1 << A_OCCL;
  if ((sensors & S_AIR) && (fl || (alarmRaised & (1 << A_AIR)))) c |= 1 << A_AIR;
  if (sensors & S_DOOR) c |= 1 << A_DOOR;
  if (sensors & S_ON_BATT) {
    if (battPct <= BATT_DEPLETED_PCT) c |= 1 << A_BATT_DEPLETED;
    if (battPct <= BATT_LOW_PCT || ((alarmRaised & (1 << A_LOW_BATT)) && battPct < BATT_LOW_CLEAR_PCT))
      c |= 1 << A_LOW_BATT;
  }
  if (vtbiDone && state != ST_IDLE) c |= 1 << A_VTBI;
  if (nearEnd) c |= 1 << A_NEAR_END;
  return c;
}

static void updateAlarms() {
  uint8_t c = computeCauses();
  uint8_t rising = c & ~alarmCause;
  uint8_t falling = alarmCause & ~c;
  alarmCause = c;
  uint8_t newStops = 0;
  for (uint8_t a = 0; a < A_COUNT; a++) {
    uint8_t bit = 1 << a;
    uint8_t fl = alarmFlags(a);
    if ((rising & bit) && (alarmRaised & bit)) {
      // The cause came back on a latched alarm still shown: it is live again (no new ALARM event).
      alarmAcked &= ~bit;
    } else if (rising & bit) {
      alarmRaised |= bit;
      alarmAcked &= ~bit;
      if (a == A_LOW_BATT) {
        lowBattRaisedAt = now;
        lowBattEscalated = false;
      }
      evBegin(F("ALARM"));
      key(F("id"));
      out.print(alarmName(a));
      key(F("prio"));
      out.print(prioName(alarmPrio(a)));
      key(F("stops"));
      out.write(fl & AF_STOPS ? '1' : '0');
      endLine();
      if (fl & AF_STOPS) newStops |= bit;
    } else if ((falling & bit) && (alarmRaised & bit)) {
      if (!(fl & AF_LATCH) || (alarmAcked & bit)) endAlarm(a);
    }
  }
  if ((alarmRaised & (1 << A_LOW_BATT)) && !lowBattEscalated && !(alarmAcked & (1 << A_LOW_BATT)) &&
      now - lowBattRaisedAt >= ESCALATE_MS) {
    lowBattEscalated = true;
    evBegin(F("ESCALATE"));
    key(F("id"));
    out.print(alarmName(A_LOW_BATT));
    key(F("prio"));
    out.print(prioName(2));
    endLine();
  }
  uint8_t stops = stopsRaised();
  if (stops && flowing()) {
    uint8_t a = 0;
    uint8_t m = newStops ? newStops : stops;
    while (!(m & (1 << a))) a++;
    resumeState = state;
    endBolus();
    setState(ST_ALARM, alarmName(a));
  } else if (!stops && state == ST_ALARM) {
    setState(ST_PAUSED, F("alarm_cleared"));
  }
  ackTimers();
  updateAudio();
}

// ---------------------------------------------------------------- delivery

static void vtbiComplete() {
  vtbiDone = true;
  nearEnd = false;
  endBolus();
  evBegin(F("VTBI_DONE"));
  key(F("vi"));
  printMilli(vi);
  endLine();
  if (endMode == END_KVO) {
    setState(ST_KVO, F("vtbi_done"));
    emitRate();
  } else if (endMode == END_STOP) {
    setState(ST_COMPLETE, F("vtbi_done"));
  }
}

static void stroke() {
  digitalWrite(PIN_STEP, HIGH);
  delayMicroseconds(2);
  digitalWrite(PIN_STEP, LOW);
  vi += INFUSIM_STROKE_UL;
  if (bolusActive) {
    bolusDone += INFUSIM_STROKE_UL;
    if (bolusDone >= bolusVol) {
      endBolus();
      emitRate();
    }
  }
  if (!vtbiDone && state == ST_RUNNING && vi >= vtbi) vtbiComplete();
}

// Volume until the next thing that changes the delivery (end of bolus, end of VTBI).
static uint32_t milestoneUl() {
  uint32_t m = 0xFFFFFFFFUL;
  if (state != ST_RUNNING) return m;
  if (bolusActive) m = bolusVol - bolusDone;
  if (!vtbiDone && vtbi - vi < m) m = vtbi - vi;
  return m;
}

static void limitTo(uint32_t *dt, uint32_t at) {
  uint32_t d = at - now;
  if ((int32_t)d > 0 && d < *dt) *dt = d;
}

// Move pump time to `target`, delivering, stepping the motor and emitting what happens on the way.
static void advanceTo(uint32_t target) {
  while ((int32_t)(target - now) > 0) {
    uint32_t dt = target - now;
    if (dt > 1000UL) dt = 1000UL;
    uint32_t r = deliveryRate();
    if (r) {
      limitTo(&dt, nextStatusAt);
      uint32_t m = milestoneUl();
      if (m < 1000UL) {
        uint32_t need = m * UNITS_PER_UL;
        need = need > acc ? need - acc : 0;
        uint32_t t = (need + r - 1) / r;
        if (t == 0) t = 1;
        if (t < dt) dt = t;
      }
      if (!nearEnd && state == ST_RUNNING && !bolusActive && !vtbiDone) {
        // Stop exactly at the first ms at which NEAR_END is due.
        uint64_t rem = remainingUnits(), lead = (uint64_t)rate * NEAR_END_MS;
        if (rem > lead) {
          uint64_t t = (rem - lead + r - 1) / r;
          if (t < dt) dt = (uint32_t)t;
        }
      }
    }
    if (silenced) limitTo(&dt, silenceUntil);
    for (uint8_t a = 0; a < A_COUNT; a++) {
      uint8_t bit = 1 << a;
      if ((alarmRaised & alarmAcked & alarmCause & bit) && ackKind(a) != ACK_NONE) limitTo(&dt, ackTimer[a]);
    }
    if ((alarmRaised & (1 << A_LOW_BATT)) && !lowBattEscalated) limitTo(&dt, lowBattRaisedAt + ESCALATE_MS);
    now += dt;
    if (r) {
      acc += r * dt;
      while (acc >= STROKE_UNITS && deliveryRate() == r) {
        acc -= STROKE_UNITS;
        stroke();
      }
      if (deliveryRate() == 0) acc = 0;
    }
    updateAlarms();
    if (flowing() && (int32_t)(now - nextStatusAt) >= 0) {
      printStatusLine();
      nextStatusAt += STATUS_PERIOD_MS;
    }
  }
}

// ---------------------------------------------------------------- parsing

static bool isDecDigit(char c) { return c >= '0' && c <= '9'; }

// Decimal with at most three significant decimals, into thousandths; at most 4,000,000.
static bool parseMilli(const char *s, uint32_t *v) {
  if (!isDecDigit(*s)) return false;
  uint32_t ip = 0;
  while (isDecDigit(*s)) {
    ip = ip * 10 + (*s++ - '0');
    if (ip > 4000000UL) return false;
  }
  uint32_t frac = 0;
  uint8_t fd = 0;
  if (*s == '.') {
    s++;
    if (!isDecDigit(*s)) return false;
    while (isDecDigit(*s)) {
      if (fd < 3) {
        frac = frac * 10 + (*s - '0');
        fd++;
      } else if (*s != '0') {
        return false;
      }
      s++;
    }
  }
  if (*s) return false;
  while (fd < 3) {
    frac *= 10;
    fd++;
  }
  *v = ip * 1000UL + frac;
  return true;
}

static bool parseUint(const char *s, uint32_t *v) {
  if (!isDecDigit(*s)) return false;
  uint32_t x = 0;
  while (isDecDigit(*s)) {
    if (x > 429496728UL) return false;
    x = x * 10 + (*s++ - '0');
  }
  if (*s) return false;
  *v = x;
  return true;
}

static bool isIdChar(char c) {
  return isDecDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
}

static const char *arg(PGM_P k) {
  for (uint8_t i = 0; i < argCount; i++) {
    if (strcmp_P(argKey[i], k) == 0) {
      argUsed |= 1 << i;
      return argVal[i];
    }
  }
  return NULL;
}

// After a command has looked up the arguments it takes: refuse any other one.
static bool extraArgs() {
  for (uint8_t i = 0; i < argCount; i++) {
    if (!(argUsed & (1 << i))) {
      out.print(reqId);
      out.print(F(" ERR BAD_ARG unexpected argument "));
      out.print(argKey[i]);
      endLine();
      return true;
    }
  }
  return false;
}

static bool eq(const char *s, PGM_P p) { return s && strcmp_P(s, p) == 0; }

// ---------------------------------------------------------------- drug library

static int8_t findDrug(const char *id) {
  for (uint8_t i = 0; i < LIB_COUNT; i++)
    if (pgm_read_byte(&LIB[i].area) == area && strcmp_P(id, LIB[i].id) == 0) return i;
  return -1;
}

static uint32_t libLimit(uint8_t d, uint8_t i) { return pgm_read_dword(&LIB[d].lim[i]); }

static uint32_t doseToRate(uint8_t d, uint32_t ds, uint32_t w) {
  uint8_t fl = pgm_read_byte(&LIB[d].flags);
  uint32_t conc = pgm_read_dword(&LIB[d].conc);
  uint64_t num = (uint64_t)ds * ((fl & DF_PERKG) ? w : 1000UL) * ((fl & DF_PERMIN) ? 60UL : 1UL);
  return (uint32_t)((num + conc / 2) / conc);
}

static uint32_t rateToDose(uint8_t d, uint32_t r, uint32_t w) {
  uint8_t fl = pgm_read_byte(&LIB[d].flags);
  uint32_t conc = pgm_read_dword(&LIB[d].conc);
  uint64_t den = (uint64_t)((fl & DF_PERKG) ? w : 1000UL) * ((fl & DF_PERMIN) ? 60UL : 1UL);
  return (uint32_t)(((uint64_t)r * conc + den / 2) / den);
}

// Dose error reduction: sends HARD_LIMIT / SOFT_LIMIT and returns false when refused.
static bool checkLimits(uint8_t d, uint32_t ds, bool override) {
  if (ds < libLimit(d, 0)) {
    replyErr(F("HARD_LIMIT"), F("dose below the lower hard limit"));
    return false;
  }
  if (ds > libLimit(d, 3)) {
    replyErr(F("HARD_LIMIT"), F("dose above the upper hard limit"));
    return false;
  }
  if (override) return true;
  if (ds < libLimit(d, 1)) {
    replyErr(F("SOFT_LIMIT"), F("dose below the lower soft limit, resend with override=1"));
    return false;
  }
  if (ds > libLimit(d, 2)) {
    replyErr(F("SOFT_LIMIT"), F("dose above the upper soft limit, resend with override=1"));
    return false;
  }
  return true;
}

// override=0|1; sends BAD_ARG and returns false on another value.
static bool parseOverride(const char *v, bool *o) {
  *o = false;
  if (!v) return true;
  if (eq(v, PSTR("1"))) {
    *o = true;
    return true;
  }
  if (eq(v, PSTR("0"))) return true;
  replyErr(F("BAD_ARG"), F("override must be 0 or 1"));
  return false;
}

// ---------------------------------------------------------------- commands

static void cmdInfo() {
  if (extraArgs()) return;
  replyOk();
  out.print(F(" model=lvp fw=" FW_VERSION));
#ifdef INFUSIM_TEST_CLOCK
  out.print(F(" clock=virtual"));
#else
  out.print(F(" clock=real"));
#endif
  out.print(F(" lib=" LIB_ID " area="));
  out.print(FS(pgm_read_word(&AREAS[area])));
  endLine();
}

static void cmdTick() {
#ifdef INFUSIM_TEST_CLOCK
  const char *aMs = arg(PSTR("ms"));
  if (extraArgs()) return;
  if (!aMs) FAIL("MISSING_ARG", "ms is required");
  uint32_t ms;
  if (!parseUint(aMs, &ms)) FAIL("BAD_ARG", "ms must be a whole number");
  if (ms < 1 || ms > TICK_MAX_MS) FAIL("OUT_OF_RANGE", "ms must be 1 to 86400000");
  advanceTo(now + ms);
  replyOk();
  key(F("t"));
  out.print(now);
  endLine();
#else
  FAIL("NOT_SUPPORTED", "this board runs in real time");
#endif
}

static void cmdArea() {
  const char *aId = arg(PSTR("id"));
  if (extraArgs()) return;
  if (!aId) FAIL("MISSING_ARG", "id is required");
  uint8_t a = 0;
  while (a < AREA_COUNT && strcmp_P(aId, (PGM_P)pgm_read_word(&AREAS[a])) != 0) a++;
  if (a == AREA_COUNT) FAIL("NO_DRUG", "no such care area");
  if (state != ST_IDLE && state != ST_PROGRAMMED && state != ST_COMPLETE) FAIL("BAD_STATE", "an infusion is running");
  area = a;
  uint8_t n = 0;
  for (uint8_t i = 0; i < LIB_COUNT; i++)
    if (pgm_read_byte(&LIB[i].area) == area) n++;
  replyOk();
  key(F("area"));
  out.print(FS(pgm_read_word(&AREAS[area])));
  key(F("drugs"));
  out.print(n);
  endLine();
}

static void cmdDrug() {
  const char *aIdx = arg(PSTR("idx"));
  if (extraArgs()) return;
  if (!aIdx) FAIL("MISSING_ARG", "idx is required");
  uint32_t idx;
  if (!parseUint(aIdx, &idx)) FAIL("BAD_ARG", "idx must be a whole number");
  uint8_t d = 0;
  uint32_t seen = 0;
  for (; d < LIB_COUNT; d++) {
    if (pgm_read_byte(&LIB[d].area) != area) continue;
    if (seen == idx) break;
    seen++;
  }
  if (d == LIB_COUNT) FAIL("NO_DRUG", "no drug with that index in this area");
  replyOk();
  key(F("idx"));
  out.print(idx);
  key(F("id"));
  out.print(FS(LIB[d].id));
  key(F("unit"));
  out.print(FS(LIB[d].unit));
  key(F("conc"));
  printMilli(pgm_read_dword(&LIB[d].conc));
  key(F("soft"));
  printMilli(libLimit(d, 1));
  out.write('-');
  printMilli(libLimit(d, 2));
  key(F("hard"));
  printMilli(libLimit(d, 0));
  out.write('-');
  printMilli(libLimit(d, 3));
  endLine();
}

// Rates are set in steps of 0.1 mL/h: round half up (0.05 -> 0.1, 2.449 -> 2.4). A rate that
// rounds to 0 is then out of range, like any rate below RATE_MIN.
static uint32_t roundRate(uint32_t r) { return (r + RATE_STEP / 2) / RATE_STEP * RATE_STEP; }

// The dose rate of drug `d` at `ds` (thousandths of its unit): the rounded rate it needs, checked
// against the pump's range, then the library limits on the dose that rate really delivers (as the
// model does). Sends the refusal and returns false.
static bool drugRate(uint8_t d, uint32_t ds, uint32_t w, bool override, uint32_t *r) {
  if (ds == 0) {
    replyErr(F("OUT_OF_RANGE"), F("dose must be above 0"));
    return false;
  }
  *r = roundRate(doseToRate(d, ds, w));
  if (*r < RATE_MIN || *r > RATE_MAX) {
    replyErr(F("OUT_OF_RANGE"), F("the dose needs a rate outside 0.1 to 999 mL/h"));
    return false;
  }
  return checkLimits(d, rateToDose(d, *r, w), override);
}

// Checks in the model's order (src/sim/pump/pump.ts and programming.ts): the form of every value,
// then the pump's state, then VTBI and KVO ranges, then the rate or the drug and its limits.
static void cmdProgram() {
  const char *aMode = arg(PSTR("mode"));
  const char *aRate = arg(PSTR("rate"));
  const char *aDrug = arg(PSTR("drug"));
  const char *aDose = arg(PSTR("dose"));
  const char *aWeight = arg(PSTR("weight"));
  const char *aVtbi = arg(PSTR("vtbi"));
  const char *aEnd = arg(PSTR("end"));
  const char *aKvo = arg(PSTR("kvo"));
  const char *aOverride = arg(PSTR("override"));
  // PCA and loading-dose keys: known, not on this board. `|` so that every key is looked up.
  bool unsupported = (arg(PSTR("load")) != NULL) | (arg(PSTR("loadrate")) != NULL) | (arg(PSTR("basal")) != NULL) |
                     (arg(PSTR("demand")) != NULL) | (arg(PSTR("lockout")) != NULL) | (arg(PSTR("limit")) != NULL) |
                     (arg(PSTR("window")) != NULL);
  if (extraArgs()) return;
  if (aMode && !eq(aMode, PSTR("pca")) && !eq(aMode, PSTR("basic"))) FAIL("BAD_ARG", "mode must be basic or pca");
  if (eq(aMode, PSTR("pca")) || unsupported) FAIL("NOT_SUPPORTED", "PCA and loading doses are not on this board");
  bool override;
  if (!parseOverride(aOverride, &override)) return;
  uint8_t em = END_KVO;
  if (aEnd) {
    if (eq(aEnd, PSTR("stop")))
      em = END_STOP;
    else if (eq(aEnd, PSTR("continue")))
      em = END_CONTINUE;
    else if (!eq(aEnd, PSTR("kvo")))
      FAIL("BAD_ARG", "end must be stop, kvo or continue");
  }
  uint32_t v = 0, k = KVO_DEFAULT, r = 0, ds = 0, w = 0;
  if (aVtbi && !parseMilli(aVtbi, &v)) FAIL("BAD_ARG", "vtbi is not a number");
  if (aKvo && !parseMilli(aKvo, &k)) FAIL("BAD_ARG", "kvo is not a number");
  if (aWeight && !parseMilli(aWeight, &w)) FAIL("BAD_ARG", "weight is not a number");
  if (aRate && !parseMilli(aRate, &r)) FAIL("BAD_ARG", "rate is not a number");
  if (aDose && !parseMilli(aDose, &ds)) FAIL("BAD_ARG", "dose is not a number");
  if (state != ST_IDLE && state != ST_PROGRAMMED && state != ST_COMPLETE) FAIL("BAD_STATE", "an infusion is running; STOP it first");
  if (!aVtbi) FAIL("MISSING_ARG", "vtbi is required");
  if (v < VTBI_MIN || v > VTBI_MAX) FAIL("OUT_OF_RANGE", "vtbi must be 0.1 to 9999 mL");
  if (k < KVO_MIN || k > KVO_MAX) FAIL("OUT_OF_RANGE", "kvo must be 0.1 to 20 mL/h");
  int8_t d = -1;
  if (aDrug) {
    d = findDrug(aDrug);
    if (d < 0) FAIL("NO_DRUG", "drug not in the care area");
    if (aRate) FAIL("BAD_ARG", "a library drug is programmed by dose, not rate");
    if (!aDose) FAIL("MISSING_ARG", "dose is required with drug");
    if (pgm_read_byte(&LIB[d].flags) & DF_PERKG) {
      if (!aWeight) FAIL("MISSING_ARG", "weight is required for this drug");
      if (w < WEIGHT_MIN || w > WEIGHT_MAX) FAIL("OUT_OF_RANGE", "weight must be 0.1 to 350 kg");
    }
    if (!drugRate(d, ds, w, override, &r)) return;
  } else {
    if (aDose || aWeight) FAIL("BAD_ARG", "dose and weight need drug");
    if (!aRate) FAIL("MISSING_ARG", "rate is required");
    r = roundRate(r);
    if (r < RATE_MIN || r > RATE_MAX) FAIL("OUT_OF_RANGE", "rate must be 0.1 to 999 mL/h");
  }
  // Commit.
  mode = d >= 0 ? MODE_DRUG : MODE_BASIC;
  drugIdx = d >= 0 ? d : 0;
  dose = d >= 0 ? rateToDose(d, r, w) : 0;
  weight = w;
  rate = r;
  vtbi = v;
  kvoSet = k;
  endMode = em;
  vi = 0;
  vtbiDone = false;
  nearEnd = false;
  setState(ST_PROGRAMMED, F("program"));
  updateAlarms();
  replyOk();
  key(F("rate"));
  printMilli(rate);
  key(F("vtbi"));
  printMilli(vtbi);
  key(F("mode"));
  out.print(mode == MODE_DRUG ? F("drug") : F("basic"));
  endLine();
}

static void cmdStart() {
  if (extraArgs()) return;
  if (state != ST_PROGRAMMED) FAIL("BAD_STATE", "no program entered");
  if (stopsRaised()) FAIL("ALARM_ACTIVE", "a flow-stopping alarm is active");
  vi = 0;
  acc = 0;
  vtbiDone = false;
  setState(ST_RUNNING, F("start"));
  updateAlarms();
  replyOk();
  endLine();
}

static void cmdPause() {
  if (extraArgs()) return;
  if (!flowing()) FAIL("BAD_STATE", "not infusing");
  resumeState = state;
  endBolus();
  setState(ST_PAUSED, F("pause"));
  updateAlarms();
  replyOk();
  endLine();
}

static void cmdResume() {
  if (extraArgs()) return;
  if (state != ST_PAUSED && state != ST_ALARM) FAIL("BAD_STATE", "not paused");
  if (stopsRaised()) FAIL("ALARM_ACTIVE", "a flow-stopping alarm is active");
  setState(resumeState, F("resume"));
  updateAlarms();
  replyOk();
  endLine();
}

static void cmdStop() {
  if (extraArgs()) return;
  if (state == ST_IDLE) FAIL("BAD_STATE", "no program");
  uint32_t v = vi;
  endBolus();
  mode = MODE_NONE;
  vi = 0;
  acc = 0;
  vtbiDone = false;
  nearEnd = false;
  setState(ST_IDLE, F("stop"));
  updateAlarms();
  replyOk();
  key(F("vi"));
  printMilli(v);
  endLine();
}

// The model's order: the form of the values, the state, then one of rate or dose, then ranges and
// limits. A running NEAR_END is judged again at the new rate (it ends, and is raised again at once
// if still due).
static void cmdTitrate() {
  const char *aRate = arg(PSTR("rate"));
  const char *aDose = arg(PSTR("dose"));
  const char *aOverride = arg(PSTR("override"));
  if (extraArgs()) return;
  bool override;
  if (!parseOverride(aOverride, &override)) return;
  uint32_t r = 0, ds = 0;
  if (aRate && !parseMilli(aRate, &r)) FAIL("BAD_ARG", "rate is not a number");
  if (aDose && !parseMilli(aDose, &ds)) FAIL("BAD_ARG", "dose is not a number");
  if (state != ST_PROGRAMMED && state != ST_RUNNING && state != ST_PAUSED && state != ST_ALARM)
    FAIL("BAD_STATE", "no infusion to titrate");
  if (vtbiDone) FAIL("BAD_STATE", "the VTBI is complete");
  if ((aRate != NULL) == (aDose != NULL)) FAIL("MISSING_ARG", "give one of rate or dose");
  if (aDose) {
    if (mode != MODE_DRUG) FAIL("BAD_ARG", "dose needs a drug program; give rate");
    if (!drugRate(drugIdx, ds, weight, override, &r)) return;
  } else {
    r = roundRate(r);
    if (mode == MODE_DRUG) {
      // A rate change of a library drug is checked as the dose it delivers.
      if (!drugRate(drugIdx, rateToDose(drugIdx, r, weight), weight, override, &r)) return;
    } else if (r < RATE_MIN || r > RATE_MAX) {
      FAIL("OUT_OF_RANGE", "rate must be 0.1 to 999 mL/h");
    }
  }
  uint32_t before = deliveryRate();
  rate = r;
  if (mode == MODE_DRUG) dose = rateToDose(drugIdx, r, weight);
  if (deliveryRate() != before) emitRate();
  if (nearEnd) {
    nearEnd = false;
    alarmCause &= ~(1 << A_NEAR_END);
    if (alarmRaised & (1 << A_NEAR_END)) endAlarm(A_NEAR_END);
  }
  updateAlarms();
  replyOk();
  key(F("rate"));
  printMilli(rate);
  endLine();
}

// The model's order: state, bolus rate, volume. The VTBI end cuts a bolus short, as in the model.
static void cmdBolus() {
  const char *aVol = arg(PSTR("volume"));
  const char *aRate = arg(PSTR("rate"));
  const char *aOverride = arg(PSTR("override"));
  bool aDose = arg(PSTR("dose")) != NULL;
  if (extraArgs()) return;
  bool override;
  if (!parseOverride(aOverride, &override)) return;
  if (aDose) FAIL("NOT_SUPPORTED", "dose boluses are not on this board, give volume");
  uint32_t v = 0, r = BOLUS_RATE_DEFAULT;
  if (aVol && !parseMilli(aVol, &v)) FAIL("BAD_ARG", "volume is not a number");
  if (aRate && !parseMilli(aRate, &r)) FAIL("BAD_ARG", "rate is not a number");
  if (state != ST_RUNNING || vtbiDone) FAIL("BAD_STATE", "a bolus needs a running infusion");
  if (bolusActive) FAIL("BAD_STATE", "a bolus is already running");
  if (r < BOLUS_RATE_MIN || r > BOLUS_RATE_MAX) FAIL("OUT_OF_RANGE", "rate must be 10 to 1200 mL/h");
  if (!aVol) FAIL("MISSING_ARG", "volume is required");
  if (v < BOLUS_VOL_MIN || v > BOLUS_VOL_MAX) FAIL("OUT_OF_RANGE", "volume must be 0.1 to 100 mL");
  bolusActive = true;
  bolusVol = v;
  bolusDone = 0;
  bolusRate = r;
  emitRate();
  updateAlarms();
  replyOk();
  key(F("volume"));
  printMilli(v);
  key(F("rate"));
  printMilli(r);
  endLine();
}

// Alarm ids of the protocol that this board never raises (no such sensor): ACK names them as not
// active, like any other alarm that is not active.
static const char otherAlarmIds[] PROGMEM = " OCCLUSION_UP CONTAINER_EMPTY SELF_TEST_FAIL CALLBACK COMM_LOST ";

static bool isOtherAlarmId(const char *id) {
  size_t n = strlen(id);
  for (PGM_P q = otherAlarmIds; pgm_read_byte(q); q++)
    if (pgm_read_byte(q) == ' ' && strncmp_P(id, q + 1, n) == 0 && pgm_read_byte(q + 1 + n) == ' ') return true;
  return false;
}

static void cmdAck() {
  const char *aAlarm = arg(PSTR("alarm"));
  if (extraArgs()) return;
  uint8_t mask = 0xFF;
  if (aAlarm) {
    uint8_t a = 0;
    while (a < A_COUNT && strcmp_P(aAlarm, ALARMS[a].id) != 0) a++;
    if (a == A_COUNT) {
      if (isOtherAlarmId(aAlarm)) FAIL("BAD_STATE", "that alarm is not active");
      FAIL("BAD_ARG", "unknown alarm id");
    }
    mask = 1 << a;
    // As the model: acknowledging an alarm that is not active is refused.
    if (!(alarmRaised & mask)) {
      out.print(reqId);
      out.print(F(" ERR BAD_STATE alarm "));
      out.print(alarmName(a));
      out.print(F(" is not active"));
      endLine();
      return;
    }
  }
  uint8_t targets = alarmRaised & ~alarmAcked & mask;
  uint8_t n = 0;
  for (uint8_t a = 0; a < A_COUNT; a++) {
    uint8_t bit = 1 << a;
    if (!(targets & bit)) continue;
    n++;
    alarmAcked |= bit;
    if (!(alarmCause & bit)) endAlarm(a);
    else ackTimer[a] = now + (ackKind(a) == ACK_PAUSE ? SILENCE_MS : REMINDER_MS);
  }
  updateAlarms();
  replyOk();
  key(F("n"));
  out.print(n);
  endLine();
}

// RESET (docs/protocol.md): the power-on state, so that every bench run starts from the same
// place. Refused with a program entered. Time and the event log go on; the sensors are pins, so a
// condition still present on one is raised again, as at power-on.
static void cmdReset() {
  if (extraArgs()) return;
  if (state != ST_IDLE) FAIL("BAD_STATE", "a program is entered; STOP it first");
  resumeState = ST_RUNNING;
  area = 0;
  mode = MODE_NONE;
  endMode = END_KVO;
  drugIdx = 0;
  rate = vtbi = kvoSet = vi = dose = weight = 0;
  vtbiDone = nearEnd = bolusActive = false;
  bolusVol = bolusDone = bolusRate = acc = 0;
  alarmRaised = alarmAcked = alarmCause = 0;
  lowBattEscalated = false;
  lowBattRaisedAt = 0;
  silenced = false;
  silenceUntil = 0;
  updateAlarms();
  replyOk();
  key(F("t"));
  out.print(now);
  endLine();
}

static void cmdSilence() {
  if (extraArgs()) return;
  silenced = true;
  silenceUntil = now + SILENCE_MS;
  updateAlarms();
  replyOk();
  key(F("until"));
  out.print(silenceUntil);
  endLine();
}

static void cmdLog(uint32_t n, uint32_t head) {
  if (extraArgs()) return;
  replyOk();
  key(F("n"));
  out.print(n);
  key(F("head"));
  for (int8_t sh = 28; sh >= 0; sh -= 4) out.write("0123456789abcdef"[(head >> sh) & 0xF]);
  endLine();
}

static void cmdStatus() {
  if (extraArgs()) return;
  replyOk();
  printStatusFields();
  endLine();
}

// ---------------------------------------------------------------- line handling

static void processLine() {
  uint32_t logN = logCount, logH = logHash;
  char *p = line;
  while (*p == ' ') p++;
  if (!*p) return; // empty line
  hashBytes(line, lineLen);
  char *id = p;
  while (*p && *p != ' ') p++;
  uint8_t idLen = p - id;
  if (*p) *p++ = 0;
  bool idOk = idLen >= 1 && idLen <= 8;
  for (uint8_t i = 0; idOk && i < idLen; i++) idOk = isIdChar(id[i]);
  reqId = idOk ? id : "?";
  if (!idOk) FAIL("BAD_LINE", "the request id must be 1 to 8 of A-Z a-z 0-9 _ -");
  while (*p == ' ') p++;
  if (!*p) FAIL("BAD_LINE", "missing command");
  char *cmd = p;
  while (*p && *p != ' ') p++;
  if (*p) *p++ = 0;
  argCount = 0;
  argUsed = 0;
  for (;;) {
    while (*p == ' ') p++;
    if (!*p) break;
    if (argCount == MAX_ARGS) FAIL("BAD_LINE", "too many arguments");
    char *k = p;
    while (*p >= 'a' && *p <= 'z') p++;
    if (p == k || *p != '=') FAIL("BAD_LINE", "arguments are key=value with a lower-case key");
    *p++ = 0;
    char *v = p;
    while (*p && *p != ' ') p++;
    if (p == v) FAIL("BAD_LINE", "empty value");
    if (*p) *p++ = 0;
    for (uint8_t i = 0; i < argCount; i++)
      if (strcmp(argKey[i], k) == 0) FAIL("BAD_LINE", "repeated key");
    argKey[argCount] = k;
    argVal[argCount] = v;
    argCount++;
  }
  if (eq(cmd, PSTR("PING"))) {
    if (extraArgs()) return;
    replyOk();
    endLine();
  } else if (eq(cmd, PSTR("INFO"))) cmdInfo();
  else if (eq(cmd, PSTR("STATUS"))) cmdStatus();
  else if (eq(cmd, PSTR("TICK"))) cmdTick();
  else if (eq(cmd, PSTR("AREA"))) cmdArea();
  else if (eq(cmd, PSTR("DRUG"))) cmdDrug();
  else if (eq(cmd, PSTR("PROGRAM"))) cmdProgram();
  else if (eq(cmd, PSTR("START"))) cmdStart();
  else if (eq(cmd, PSTR("PAUSE"))) cmdPause();
  else if (eq(cmd, PSTR("RESUME"))) cmdResume();
  else if (eq(cmd, PSTR("STOP"))) cmdStop();
  else if (eq(cmd, PSTR("TITRATE"))) cmdTitrate();
  else if (eq(cmd, PSTR("BOLUS"))) cmdBolus();
  else if (eq(cmd, PSTR("ACK"))) cmdAck();
  else if (eq(cmd, PSTR("SILENCE"))) cmdSilence();
  else if (eq(cmd, PSTR("LOG"))) cmdLog(logN, logH);
  else if (eq(cmd, PSTR("RESET"))) cmdReset();
  else if (eq(cmd, PSTR("INJECT"))) FAIL("NOT_SUPPORTED", "sensors are wired to pins on this board");
  else if (eq(cmd, PSTR("DEMAND"))) FAIL("NOT_SUPPORTED", "PCA is not on this board");
  else FAIL("UNKNOWN_CMD", "no such command");
}

static void finishLine() {
  line[lineLen] = 0;
  if (lineTooLong) {
    hashBytes(line, lineLen);
    reqId = "?";
    replyErr(F("TOO_LONG"), F("the line was longer than 120 characters"));
  } else if (lineBadChar) {
    hashBytes(line, lineLen);
    char *p = line;
    while (*p == ' ') p++;
    char *id = p;
    while (*p && *p != ' ') p++;
    uint8_t idLen = p - id;
    *p = 0;
    bool idOk = idLen >= 1 && idLen <= 8;
    for (uint8_t i = 0; idOk && i < idLen; i++) idOk = isIdChar(id[i]);
    reqId = idOk ? id : "?";
    replyErr(F("BAD_CHAR"), F("a byte outside printable ASCII"));
  } else {
    processLine();
  }
  lineLen = 0;
  lineTooLong = lineBadChar = pendingCR = false;
}

static void onByte(uint8_t c) {
  if (c == '\n') {
    finishLine();
    return;
  }
  if (pendingCR) {
    pendingCR = false;
    lineBadChar = true; // a CR that does not end the line
  }
  if (c == '\r') {
    pendingCR = true;
    return;
  }
  if (c < 0x20 || c > 0x7E) {
    lineBadChar = true;
    return;
  }
  if (lineLen < INFUSIM_LINE_MAX)
    line[lineLen++] = c;
  else
    lineTooLong = true;
}

// ---------------------------------------------------------------- sensors and signals

static uint8_t readSensorPins() {
  uint8_t raw = 0;
  if (digitalRead(PIN_OCCLUSION) == LOW) raw |= S_OCCL;
  if (digitalRead(PIN_AIR) == LOW) raw |= S_AIR;
  if (digitalRead(PIN_DOOR) == LOW) raw |= S_DOOR;
  if (digitalRead(PIN_MAINS) == LOW) raw |= S_ON_BATT;
  return raw;
}

static void readBattery() {
  uint32_t mv = (uint32_t)analogRead(PIN_BATTERY) * 5000UL / 1023UL;
  if (mv <= BATT_EMPTY_MV)
    battPct = 0;
  else if (mv >= BATT_FULL_MV)
    battPct = 100;
  else
    battPct = (mv - BATT_EMPTY_MV) * 100UL / (BATT_FULL_MV - BATT_EMPTY_MV);
}

static void pollSensors() {
#ifdef INFUSIM_TEST_CLOCK
  // Virtual time: the host sets the pins between requests, take them as they are.
  sensors = readSensorPins();
  readBattery();
#else
  uint32_t ms = millis();
  if (ms - lastSensorMs >= 5) {
    // Debounce: a change counts after 4 equal samples 5 ms apart.
    lastSensorMs = ms;
    uint8_t raw = readSensorPins();
    if (raw != sensorsLastRaw) {
      sensorsLastRaw = raw;
      sensorsStable = 0;
    } else if (sensorsStable < 3) {
      sensorsStable++;
    } else {
      sensors = raw;
    }
  }
  if (ms - lastBattMs >= 100) {
    lastBattMs = ms;
    readBattery();
  }
#endif
}

// Alarm signals (IEC 60601-1-8 style): high = red LED 2 Hz and bursts of 10 beeps, medium =
// yellow LED 0.5 Hz and 3 beeps, low = yellow LED steady and 1 beep. Wall-clock patterns.
static void updateSignals() {
  uint32_t ms = millis();
  uint8_t vis = 0;
  uint8_t top = topAlarm();
  if (top < A_COUNT) vis = alarmPrio(top);
  digitalWrite(PIN_LED_RED, vis == 3 && (ms % 500) < 250);
  digitalWrite(PIN_LED_YELLOW, vis == 1 || (vis == 2 && (ms % 2000) < 1000));
  digitalWrite(PIN_LED_GREEN, flowing());
  digitalWrite(PIN_ENABLE, flowing() ? LOW : HIGH);
  bool beep = false;
  uint16_t ph;
  if (audioPrio == 3) {
    ph = ms % 2500;
    beep = ph < 2000 && (ph % 200) < 100;
  } else if (audioPrio == 2) {
    ph = ms % 4000;
    beep = ph < 600 && (ph % 200) < 100;
  } else if (audioPrio == 1) {
    beep = (ms % 15000) < 150;
  }
  digitalWrite(PIN_BUZZER, beep);
}

void infusimSetup() {
  pinMode(PIN_OCCLUSION, INPUT_PULLUP);
  pinMode(PIN_AIR, INPUT_PULLUP);
  pinMode(PIN_DOOR, INPUT_PULLUP);
  pinMode(PIN_MAINS, INPUT_PULLUP);
  pinMode(PIN_BUZZER, OUTPUT);
  pinMode(PIN_STEP, OUTPUT);
  pinMode(PIN_DIR, OUTPUT);
  pinMode(PIN_ENABLE, OUTPUT);
  pinMode(PIN_LED_RED, OUTPUT);
  pinMode(PIN_LED_YELLOW, OUTPUT);
  pinMode(PIN_LED_GREEN, OUTPUT);
  digitalWrite(PIN_DIR, HIGH);
  digitalWrite(PIN_ENABLE, HIGH);
  Serial.begin(115200);
#ifndef INFUSIM_TEST_CLOCK
  sensors = sensorsLastRaw = readSensorPins();
  lastMillis = millis();
#else
  sensors = readSensorPins();
#endif
  readBattery();
  updateAlarms();
}

void infusimLoop() {
  // Read at most a line's worth per pass so time and sensors keep moving.
  for (uint8_t n = 0; n < INFUSIM_LINE_MAX + 2 && Serial.available() > 0; n++) onByte(Serial.read());
  pollSensors();
#ifndef INFUSIM_TEST_CLOCK
  uint32_t ms = millis();
  uint32_t dt = ms - lastMillis;
  lastMillis = ms;
  if (dt) advanceTo(now + dt);
#endif
  updateAlarms();
  updateSignals();
}
