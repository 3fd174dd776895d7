#include "Arduino.h"

#include "hal/hal.h"

#ifndef TINYFORGE_SKETCH_LOOPS
#define TINYFORGE_SKETCH_LOOPS 2
#endif

SerialStandIn Serial;

namespace {
unsigned long g_millis = 0;
}  // namespace

void SerialStandIn::print(const char* text) { hal_puts(text); }

void SerialStandIn::print(char c) {
  const char text[2] = {c, 0};
  hal_puts(text);
}

void SerialStandIn::print(unsigned long value) {
  char digits[12];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[12];
  for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  text[n] = 0;
  hal_puts(text);
}

void SerialStandIn::print(long value) {
  if (value < 0) {
    print('-');
    print(static_cast<unsigned long>(-(value + 1)) + 1);
  } else {
    print(static_cast<unsigned long>(value));
  }
}

void SerialStandIn::print(double value, int digits) {
  if (value < 0) {
    print('-');
    value = -value;
  }
  double rounding = 0.5;
  for (int i = 0; i < digits; ++i) rounding /= 10;
  value += rounding;
  const unsigned long whole = static_cast<unsigned long>(value);
  print(whole);
  if (digits > 0) print('.');
  double rest = value - static_cast<double>(whole);
  for (int i = 0; i < digits; ++i) {
    rest *= 10;
    const int digit = static_cast<int>(rest);
    print(static_cast<char>('0' + digit));
    rest -= digit;
  }
}

void delay(unsigned long ms) { g_millis += ms; }

unsigned long millis() { return g_millis; }

// The instruction-count markers around the sketch let the QEMU plugin measure it.
int main() {
  hal_insn_begin();
  setup();
  for (int i = 0; i < TINYFORGE_SKETCH_LOOPS; ++i) loop();
  hal_insn_end();
  return 0;
}
