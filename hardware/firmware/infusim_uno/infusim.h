// infusim Uno firmware: pin map and entry points. See hardware/README.md for the wiring table.
#ifndef INFUSIM_H
#define INFUSIM_H

#include <Arduino.h>

// Sensor inputs: INPUT_PULLUP, the switch or detector pulls the pin LOW when the condition holds.
// An unwired input therefore reads "no condition", so a bare Uno can run the bench.
#define PIN_OCCLUSION 2   // LOW = downstream occlusion (pressure switch closed)
#define PIN_AIR 3         // LOW = air in line (detector output)
#define PIN_DOOR 4        // LOW = door open
#define PIN_MAINS 5       // HIGH = mains present, LOW = running on battery
#define PIN_BATTERY A0    // battery voltage, one Li-ion cell (3.3 V empty .. 4.2 V full), 0..5 V

// Outputs.
#define PIN_BUZZER 6      // active buzzer, HIGH = sound
#define PIN_STEP 8        // stepper driver STEP, one pulse per stroke (INFUSIM_STROKE_UL)
#define PIN_DIR 9         // stepper driver DIR, HIGH = forward (infuse)
#define PIN_ENABLE 10     // stepper driver EN, LOW = enabled (only while delivering)
#define PIN_LED_RED 11    // high priority alarm, flashes 2 Hz
#define PIN_LED_YELLOW 12 // medium priority flashes 0.5 Hz, low priority steady
#define PIN_LED_GREEN 13  // delivering (RUNNING or KVO); the Uno's on-board LED "L"

// Volume delivered by one motor step, in microlitres.
#define INFUSIM_STROKE_UL 1UL

void infusimSetup();
void infusimLoop();

#endif
