/* A QEMU TCG plugin that counts guest instructions executed between two marker addresses:
 *   -plugin libtinyforge_insn_count.so,begin=0xADDR,end=0xADDR,out=FILE
 * Every translated instruction gets an inline 64-bit add (exact, even when a block is left early);
 * the first instruction of each marker gets a callback that records the running count. Each
 * begin..end pair appends "insns N" to FILE (N = instructions from the begin marker's first
 * instruction up to, not including, the end marker's first instruction).
 *
 * Debian's qemu-system-arm 7.2 loads plugins (API version 1) but ships no qemu-plugin.h, so the
 * few declarations this plugin uses are written out below from the public plugin API. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The subset of QEMU's plugin API (version 1) used here. ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t; /* not read */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn* insn,
                                                enum qemu_plugin_op op, void* ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
                                    void* userdata);
#define PLUGIN_EXPORT __attribute__((visibility("default")))
PLUGIN_EXPORT int qemu_plugin_version = 1;
/* ---- end of the API subset ---- */

static uint64_t executed;     /* every instruction adds 1 (inline, in generated code) */
static uint64_t begin_count;  /* `executed` when the begin marker ran */
static bool in_window;
static uint64_t begin_addr = UINT64_MAX, end_addr = UINT64_MAX;
static FILE* out;
static int pairs;

static void on_begin(unsigned int vcpu, void* userdata) {
  (void)vcpu;
  (void)userdata;
  begin_count = executed;
  in_window = true;
}

static void on_end(unsigned int vcpu, void* userdata) {
  (void)vcpu;
  (void)userdata;
  if (!in_window) return;
  in_window = false;
  ++pairs;
  fprintf(out, "insns %" PRIu64 "\n", executed - begin_count);
  fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t addr = qemu_plugin_insn_vaddr(insn);
    /* The marker callback first, so the count it reads excludes the marker instruction itself. */
    if (addr == begin_addr) {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
    } else if (addr == end_addr) {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
    }
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
  }
}

static void on_exit_cb(qemu_plugin_id_t id, void* userdata) {
  (void)id;
  (void)userdata;
  if (out != NULL) {
    fprintf(out, "total %" PRIu64 " pairs %d\n", executed, pairs);
    fclose(out);
    out = NULL;
  }
}

static bool parse_address(const char* text, uint64_t* value) {
  char* end = NULL;
  *value = strtoull(text, &end, 0);
  return end != text && *end == '\0';
}

PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                      char** argv) {
  (void)info;
  const char* out_path = NULL;
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    bool ok = true;
    if (strncmp(a, "begin=", 6) == 0) {
      ok = parse_address(a + 6, &begin_addr);
    } else if (strncmp(a, "end=", 4) == 0) {
      ok = parse_address(a + 4, &end_addr);
    } else if (strncmp(a, "out=", 4) == 0) {
      out_path = a + 4;
    } else {
      ok = false;
    }
    if (!ok) {
      fprintf(stderr, "tinyforge insn_count plugin: bad argument '%s' (begin=ADDR end=ADDR out=FILE)\n", a);
      return -1;
    }
  }
  begin_addr &= ~(uint64_t)1; /* Thumb symbols carry bit 0 */
  end_addr &= ~(uint64_t)1;
  out = out_path != NULL ? fopen(out_path, "w") : stderr;
  if (out == NULL) {
    fprintf(stderr, "tinyforge insn_count plugin: cannot open %s\n", out_path);
    return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
  return 0;
}
