// Native CPU kernels for the TensorFlow.js WASM backend, built on oneDNN (Debian: libdnnl-dev).
//
// Why: WASM has 128-bit SIMD only and tfjs-backend-wasm runs one thread under Node, so convolutions
// and matrix products run at ~40 GFLOP/s where the same core reaches ~200 natively (AVX-512). The
// kernels here run *in place on the WASM heap*: JavaScript passes the heap's ArrayBuffer and byte
// offsets of tensors that the WASM backend allocated, oneDNN reads and writes them directly, and
// nothing is copied. Every entry point checks that each tensor lies inside the heap.
//
// Entry points (all synchronous; offsets and sizes in bytes/elements as noted):
//   conv2d(kind, heap, a, b, c, bias, p)  kind 0: y = conv(x=a, w=b) (+bias) -> c
//                                         kind 1: dx = convBackwardData(dy=a, w=b) -> c
//                                         kind 2: dw = convBackwardWeights(x=a, dy=b) -> c
//     p: Int32Array [N, H, W, C, KH, KW, CO, OH, OW, SH, SW, DH, DW, PT, PL, PB, PR, RELU, GROUPS]
//     tensors NHWC, filters HWIO, exactly as tfjs lays them out; GROUPS = C for a depthwise conv, whose
//     tfjs filter [KH, KW, C, M] (CO = C * M) is oneDNN's grouped HWIGO with one input per group.
//   matmul(heap, a, b, c, p)              c[batch] = op(a[batch]) x op(b[batch])
//     p: Int32Array [batchA, batchB, M, K, N, transposeA, transposeB]; a batch of 1 broadcasts.
//   swish(kind, heap, a, b, c, count, beta)  kind 0: y = swish(x=a) -> c; kind 1: dx = swish'(x=b) dy=a -> c
//   ashForward(heap, x, y, stats, p)       p: Float64Array [B, N, C, z, alpha, epsilon]; stats: [B,C] means, [B,C] stds
//   ashBackward(heap, dy, x, stats, dx, p) p: Float64Array [B, N, C, z, alpha, stopStats]; returns [dz, dalpha]
//   batchNormForward(heap, x, gamma, beta, y, stats, p)            p: Float64Array [M, C, epsilon]; stats [mean; var; invStd]
//   batchNormBackward(heap, dy, x, stats, gamma, dx, dGamma, dBeta, p)  p: Float64Array [M, C, 0]
//   maxPoolForward(heap, x, y, argmax, p)  p: Float64Array [N, H, W, C, OH, OW, KH, KW, SH, SW, padTop, padLeft]; argmax int32
//   maxPoolBackward(heap, dy, argmax, dx, p)  p: Float64Array [outCount, inCount]
//   setThreads(n), threads(), version()
// Each returns true when it ran, false when oneDNN has no implementation for the case (the caller
// then falls back to the WASM kernel); bad arguments throw.
#include <node_api.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "fused_kernels.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

#define NAPI_CALL(env, call)                                         \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error((env), nullptr, "ash-native: N-API failure"); \
      return nullptr;                                                \
    }                                                                \
  } while (0)

napi_value boolean(napi_env env, bool value) {
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, ("ash-native: " + message).c_str());
  return nullptr;
}

// The WASM heap and the parameter vector of a call.
struct Args {
  uint8_t* heap = nullptr;
  size_t heapBytes = 0;
  int32_t* params = nullptr;
  size_t paramCount = 0;
};

bool readHeap(napi_env env, napi_value value, Args& args) {
  bool isArrayBuffer = false;
  if (napi_is_arraybuffer(env, value, &isArrayBuffer) != napi_ok || !isArrayBuffer) return false;
  void* data = nullptr;
  if (napi_get_arraybuffer_info(env, value, &data, &args.heapBytes) != napi_ok) return false;
  args.heap = static_cast<uint8_t*>(data);
  return true;
}

bool readParams(napi_env env, napi_value value, Args& args) {
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok || !isTyped) return false;
  napi_typedarray_type type;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, &args.paramCount, &data, &buffer, &offset) != napi_ok) return false;
  if (type != napi_int32_array) return false;
  args.params = static_cast<int32_t*>(data);
  return true;
}

bool readInt(napi_env env, napi_value value, int64_t& out) {
  return napi_get_value_int64(env, value, &out) == napi_ok;
}

// A float32 tensor of `elements` at byte `offset` of the heap, or nullptr when it does not fit.
float* tensorAt(const Args& args, int64_t offset, int64_t elements) {
  if (offset < 0 || elements < 0 || offset % 4 != 0) return nullptr;
  const uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(elements) * 4;
  if (end > args.heapBytes) return nullptr;
  return reinterpret_cast<float*>(args.heap + offset);
}

// ---- convolution ---------------------------------------------------------------------------------

struct ConvShape {
  int64_t n, h, w, c, kh, kw, co, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, relu, groups;
  std::string key(int kind, bool bias) const {
    char buf[256];
    snprintf(buf, sizeof buf, "%d/%d/%lld/%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld", kind,
             bias ? 1 : 0, (long long)groups, (long long)n, (long long)h, (long long)w, (long long)c, (long long)kh, (long long)kw, (long long)co,
             (long long)oh, (long long)ow, (long long)sh, (long long)sw, (long long)dh, (long long)dw, (long long)pt, (long long)pl,
             (long long)pb, (long long)pr, (long long)relu);
    return buf;
  }
};

// A convolution primitive with the user (tfjs) layouts of its operands, and the reorders needed
// between the user's HWIO filter and the layout the primitive chose.
struct ConvPlan {
  bool supported = false;
  dnnl::primitive prim;
  memory::desc userSrc, userWeights, userDst, userBias;  // a / weights / c in tfjs layouts
  memory::desc primWeights;                               // the primitive's weights (or diff weights) layout
  bool reorderWeights = false;
};

std::unordered_map<std::string, std::shared_ptr<ConvPlan>> convPlans;

std::shared_ptr<ConvPlan> makeConvPlan(int kind, const ConvShape& s, bool bias) {
  auto plan = std::make_shared<ConvPlan>();
  auto& eng = cpuEngine();
  const memory::dims src = {s.n, s.c, s.h, s.w};  // oneDNN names dims NCHW whatever the layout
  const memory::dims dst = {s.n, s.co, s.oh, s.ow};
  const bool grouped = s.groups > 1;
  const memory::dims wts = grouped ? memory::dims{s.groups, s.co / s.groups, s.c / s.groups, s.kh, s.kw} : memory::dims{s.co, s.c, s.kh, s.kw};
  const memory::dims strides = {s.sh, s.sw};
  const memory::dims dilates = {s.dh - 1, s.dw - 1};  // oneDNN counts dilation from 0
  const memory::dims padL = {s.pt, s.pl};
  const memory::dims padR = {s.pb, s.pr};
  const memory::desc srcMd(src, dt::f32, tag::nhwc);
  const memory::desc dstMd(dst, dt::f32, tag::nhwc);
  const memory::desc userWeights(wts, dt::f32, grouped ? tag::hwigo : tag::hwio);
  const memory::desc anyWeights(wts, dt::f32, tag::any);
  const memory::desc biasMd({s.co}, dt::f32, tag::x);
  try {
    dnnl::convolution_forward::desc fwdDesc =
        bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, srcMd,
                                               anyWeights, biasMd, dstMd, strides, dilates, padL, padR)
             : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, srcMd,
                                               anyWeights, dstMd, strides, dilates, padL, padR);
    dnnl::primitive_attr attr;
    if (kind == 0 && s.relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    auto fwdPd = dnnl::convolution_forward::primitive_desc(fwdDesc, attr, eng);
    if (kind == 0) {
      plan->prim = dnnl::convolution_forward(fwdPd);
      plan->userSrc = srcMd;
      plan->userDst = dstMd;
      plan->primWeights = fwdPd.weights_desc();
    } else if (kind == 1) {
      dnnl::convolution_backward_data::desc bwdDesc(dnnl::algorithm::convolution_direct, srcMd, anyWeights, dstMd, strides, dilates,
                                                    padL, padR);
      auto pd = dnnl::convolution_backward_data::primitive_desc(bwdDesc, eng, fwdPd);
      plan->prim = dnnl::convolution_backward_data(pd);
      plan->userSrc = dstMd;  // input: dy
      plan->userDst = srcMd;  // output: dx
      plan->primWeights = pd.weights_desc();
    } else {
      dnnl::convolution_backward_weights::desc bwdDesc(dnnl::algorithm::convolution_direct, srcMd, anyWeights, dstMd, strides, dilates,
                                                       padL, padR);
      auto pd = dnnl::convolution_backward_weights::primitive_desc(bwdDesc, eng, fwdPd);
      plan->prim = dnnl::convolution_backward_weights(pd);
      plan->userSrc = srcMd;  // x
      plan->userDst = dstMd;  // dy
      plan->primWeights = pd.diff_weights_desc();
    }
    plan->userWeights = userWeights;
    plan->userBias = biasMd;
    plan->reorderWeights = plan->primWeights != userWeights;
    plan->supported = true;
  } catch (const dnnl::error&) {
    plan->supported = false;  // no implementation for this case: the caller falls back
  }
  return plan;
}

bool readConvShape(const Args& args, ConvShape& s) {
  if (args.paramCount != 19) return false;
  const int32_t* p = args.params;
  s = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18]};
  for (int i = 0; i < 13; i++)
    if (p[i] < 1) return false;
  return s.pt >= 0 && s.pl >= 0 && s.groups >= 1 && s.c % s.groups == 0 && s.co % s.groups == 0;
}

napi_value conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 7) return throwError(env, "conv2d(kind, heap, a, b, c, bias, params) takes 7 arguments");
  int64_t kind, aOff, bOff, cOff, biasOff;
  Args args;
  if (!readInt(env, argv[0], kind) || kind < 0 || kind > 2) return throwError(env, "conv2d: kind must be 0, 1 or 2");
  if (!readHeap(env, argv[1], args)) return throwError(env, "conv2d: heap must be an ArrayBuffer");
  if (!readInt(env, argv[2], aOff) || !readInt(env, argv[3], bOff) || !readInt(env, argv[4], cOff) || !readInt(env, argv[5], biasOff))
    return throwError(env, "conv2d: offsets must be integers");
  ConvShape s;
  if (!readParams(env, argv[6], args) || !readConvShape(args, s))
    return throwError(env, "conv2d: params must be an Int32Array of 19 positive sizes (groups dividing C and CO)");
  const bool bias = kind == 0 && biasOff >= 0;
  const int64_t xSize = s.n * s.h * s.w * s.c, ySize = s.n * s.oh * s.ow * s.co, wSize = s.kh * s.kw * s.c * s.co / s.groups;
  const int64_t aSize = kind == 1 ? ySize : xSize;
  const int64_t bSize = kind == 2 ? ySize : wSize;
  const int64_t cSize = kind == 0 ? ySize : kind == 1 ? xSize : wSize;
  float* a = tensorAt(args, aOff, aSize);
  float* b = tensorAt(args, bOff, bSize);
  float* c = tensorAt(args, cOff, cSize);
  float* biasPtr = bias ? tensorAt(args, biasOff, s.co) : nullptr;
  if (!a || !b || !c || (bias && !biasPtr)) return throwError(env, "conv2d: a tensor lies outside the WASM heap");

  const std::string key = s.key(static_cast<int>(kind), bias);
  auto found = convPlans.find(key);
  std::shared_ptr<ConvPlan> plan = found != convPlans.end() ? found->second : (convPlans[key] = makeConvPlan(static_cast<int>(kind), s, bias));
  if (!plan->supported) return boolean(env, false);

  try {
    auto& eng = cpuEngine();
    auto& stream = cpuStream();
    if (kind == 0 || kind == 1) {
      memory in(plan->userSrc, eng, a), out(plan->userDst, eng, c), userW(plan->userWeights, eng, b);
      memory w = userW;
      if (plan->reorderWeights) {
        w = memory(plan->primWeights, eng);
        dnnl::reorder(userW, w).execute(stream, userW, w);
      }
      if (kind == 0) {
        std::unordered_map<int, memory> m = {{DNNL_ARG_SRC, in}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, out}};
        if (bias) m.insert({DNNL_ARG_BIAS, memory(plan->userBias, eng, biasPtr)});
        plan->prim.execute(stream, m);
      } else {
        plan->prim.execute(stream, {{DNNL_ARG_DIFF_DST, in}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, out}});
      }
    } else {
      memory x(plan->userSrc, eng, a), dy(plan->userDst, eng, b), userDw(plan->userWeights, eng, c);
      memory dw = plan->reorderWeights ? memory(plan->primWeights, eng) : userDw;
      plan->prim.execute(stream, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
      if (plan->reorderWeights) dnnl::reorder(dw, userDw).execute(stream, dw, userDw);
    }
    stream.wait();
  } catch (const dnnl::error& e) {
    return throwError(env, std::string("conv2d: oneDNN failed: ") + e.what());
  }
  return boolean(env, true);
}

// ---- matrix product ------------------------------------------------------------------------------

struct MatmulPlan {
  bool supported = false;
  dnnl::matmul prim;
  memory::desc a, b, c;
};

std::unordered_map<std::string, std::shared_ptr<MatmulPlan>> matmulPlans;

std::shared_ptr<MatmulPlan> makeMatmulPlan(int64_t batchA, int64_t batchB, int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
  auto plan = std::make_shared<MatmulPlan>();
  const int64_t batch = batchA > batchB ? batchA : batchB;
  // Row-major storage; a transposed operand is described by swapped strides, so nothing is copied.
  plan->a = memory::desc({batchA, m, k}, dt::f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
  plan->b = memory::desc({batchB, k, n}, dt::f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
  plan->c = memory::desc({batch, m, n}, dt::f32, memory::dims{m * n, n, 1});
  try {
    dnnl::matmul::desc desc(plan->a, plan->b, plan->c);
    plan->prim = dnnl::matmul(dnnl::matmul::primitive_desc(desc, cpuEngine()));
    plan->supported = true;
  } catch (const dnnl::error&) {
    plan->supported = false;
  }
  return plan;
}

napi_value matmul(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 5) return throwError(env, "matmul(heap, a, b, c, params) takes 5 arguments");
  Args args;
  int64_t aOff, bOff, cOff;
  if (!readHeap(env, argv[0], args)) return throwError(env, "matmul: heap must be an ArrayBuffer");
  if (!readInt(env, argv[1], aOff) || !readInt(env, argv[2], bOff) || !readInt(env, argv[3], cOff))
    return throwError(env, "matmul: offsets must be integers");
  if (!readParams(env, argv[4], args) || args.paramCount != 7) return throwError(env, "matmul: params must be an Int32Array of 7");
  const int32_t* p = args.params;
  const int64_t batchA = p[0], batchB = p[1], m = p[2], k = p[3], n = p[4];
  if (batchA < 1 || batchB < 1 || m < 1 || k < 1 || n < 1) return throwError(env, "matmul: sizes must be positive");
  if (batchA != batchB && batchA != 1 && batchB != 1) return throwError(env, "matmul: batches must match or one must be 1");
  const int64_t batch = batchA > batchB ? batchA : batchB;
  float* a = tensorAt(args, aOff, batchA * m * k);
  float* b = tensorAt(args, bOff, batchB * k * n);
  float* c = tensorAt(args, cOff, batch * m * n);
  if (!a || !b || !c) return throwError(env, "matmul: a tensor lies outside the WASM heap");
  char key[128];
  snprintf(key, sizeof key, "%lld,%lld,%lld,%lld,%lld,%d,%d", (long long)batchA, (long long)batchB, (long long)m, (long long)k,
           (long long)n, p[5] ? 1 : 0, p[6] ? 1 : 0);
  auto found = matmulPlans.find(key);
  std::shared_ptr<MatmulPlan> plan =
      found != matmulPlans.end() ? found->second : (matmulPlans[key] = makeMatmulPlan(batchA, batchB, m, k, n, p[5] != 0, p[6] != 0));
  if (!plan->supported) return boolean(env, false);
  try {
    auto& eng = cpuEngine();
    auto& stream = cpuStream();
    memory am(plan->a, eng, a), bm(plan->b, eng, b), cm(plan->c, eng, c);
    plan->prim.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    stream.wait();
  } catch (const dnnl::error& e) {
    return throwError(env, std::string("matmul: oneDNN failed: ") + e.what());
  }
  return boolean(env, true);
}

// ---- fused activations and batch norm (fused_kernels.c) ------------------------------------------------------------

bool readDoubles(napi_env env, napi_value value, double*& data, size_t expected) {
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok || !isTyped) return false;
  napi_typedarray_type type;
  size_t length = 0;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, value, &type, &length, &raw, &buffer, &offset) != napi_ok) return false;
  if (type != napi_float64_array || length != expected) return false;
  data = static_cast<double*>(raw);
  return true;
}

bool positiveSize(double v) { return v >= 1 && v == static_cast<double>(static_cast<int64_t>(v)); }

// The arguments of the fused kernels: (heap, offset x `offsets`, Float64Array of `params`), whose first
// two params are positive integer sizes.
struct HeapCall {
  Args args;
  int64_t off[8] = {};
  double* p = nullptr;
};

bool readHeapCall(napi_env env, napi_callback_info info, size_t offsets, size_t params, HeapCall& call) {
  napi_value argv[10];
  size_t argc = 10;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != offsets + 2 || offsets > 8) return false;
  if (!readHeap(env, argv[0], call.args)) return false;
  for (size_t i = 0; i < offsets; i++)
    if (!readInt(env, argv[1 + i], call.off[i])) return false;
  return readDoubles(env, argv[offsets + 1], call.p, params) && positiveSize(call.p[0]) && positiveSize(call.p[1]);
}

napi_value swish(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 7) return throwError(env, "swish(kind, heap, a, b, c, count, beta) takes 7 arguments");
  int64_t kind, aOff, bOff, cOff, count;
  double beta;
  Args args;
  if (!readInt(env, argv[0], kind) || kind < 0 || kind > 1) return throwError(env, "swish: kind must be 0 or 1");
  if (!readHeap(env, argv[1], args)) return throwError(env, "swish: heap must be an ArrayBuffer");
  if (!readInt(env, argv[2], aOff) || !readInt(env, argv[3], bOff) || !readInt(env, argv[4], cOff) || !readInt(env, argv[5], count) ||
      count < 0 || napi_get_value_double(env, argv[6], &beta) != napi_ok)
    return throwError(env, "swish: offsets and count must be integers, beta a number");
  float* a = tensorAt(args, aOff, count);
  float* b = kind == 1 ? tensorAt(args, bOff, count) : a;
  float* c = tensorAt(args, cOff, count);
  if (!a || !b || !c) return throwError(env, "swish: a tensor lies outside the WASM heap");
  if (count > INT32_MAX) return throwError(env, "swish: count exceeds the WASM heap");
  if (kind == 0) ::swishForward(a, c, static_cast<int32_t>(count), static_cast<float>(beta));
  else ::swishBackward(a, b, c, static_cast<int32_t>(count), static_cast<float>(beta));
  return boolean(env, true);
}

napi_value ashForward(napi_env env, napi_callback_info info) {
  HeapCall call;
  if (!readHeapCall(env, info, 3, 6, call) || !positiveSize(call.p[2]))
    return throwError(env, "ashForward(heap, x, y, stats, Float64Array [B, N, C, z, alpha, epsilon]) with positive integer B, N, C");
  const double* p = call.p;
  const int64_t batch = p[0], n = p[1], channels = p[2];
  float* x = tensorAt(call.args, call.off[0], batch * n * channels);
  float* y = tensorAt(call.args, call.off[1], batch * n * channels);
  float* stats = tensorAt(call.args, call.off[2], 2 * batch * channels);
  if (!x || !y || !stats) return throwError(env, "ashForward: a tensor lies outside the WASM heap");
  std::vector<double> scratch(2 * channels);
  ::ashForward(x, y, stats, static_cast<int32_t>(batch), static_cast<int32_t>(n), static_cast<int32_t>(channels), static_cast<float>(p[3]),
             static_cast<float>(p[4]), static_cast<float>(p[5]), scratch.data());
  return boolean(env, true);
}

napi_value ashBackward(napi_env env, napi_callback_info info) {
  HeapCall call;
  if (!readHeapCall(env, info, 4, 6, call) || !positiveSize(call.p[2]))
    return throwError(env, "ashBackward(heap, dy, x, stats, dx, Float64Array [B, N, C, z, alpha, stopStats]) with positive integer B, N, C");
  const double* p = call.p;
  const int64_t batch = p[0], n = p[1], channels = p[2];
  const int64_t size = batch * n * channels;
  float* dy = tensorAt(call.args, call.off[0], size);
  float* x = tensorAt(call.args, call.off[1], size);
  float* stats = tensorAt(call.args, call.off[2], 2 * batch * channels);
  float* dx = tensorAt(call.args, call.off[3], size);
  if (!dy || !x || !stats || !dx) return throwError(env, "ashBackward: a tensor lies outside the WASM heap");
  std::vector<double> scratch(3 * channels);
  double out[2] = {0, 0};
  ::ashBackward(dy, x, stats, dx, static_cast<int32_t>(batch), static_cast<int32_t>(n), static_cast<int32_t>(channels), static_cast<float>(p[3]),
              static_cast<float>(p[4]), p[5] != 0 ? 1 : 0, scratch.data(), out);
  const double dz = out[0], dAlpha = out[1];
  napi_value result, v0, v1;
  napi_create_array_with_length(env, 2, &result);
  napi_create_double(env, dz, &v0);
  napi_create_double(env, dAlpha, &v1);
  napi_set_element(env, result, 0, v0);
  napi_set_element(env, result, 1, v1);
  return result;
}

napi_value batchNormForward(napi_env env, napi_callback_info info) {
  HeapCall call;
  if (!readHeapCall(env, info, 5, 3, call))
    return throwError(env, "batchNormForward(heap, x, gamma, beta, y, stats, Float64Array [M, C, epsilon]) with positive integer M, C");
  const int64_t rows = call.p[0], channels = call.p[1];
  const Args& a = call.args;
  float* x = tensorAt(a, call.off[0], rows * channels);
  float* gamma = tensorAt(a, call.off[1], channels);
  float* beta = tensorAt(a, call.off[2], channels);
  float* y = tensorAt(a, call.off[3], rows * channels);
  float* stats = tensorAt(a, call.off[4], 3 * channels);
  if (!x || !gamma || !beta || !y || !stats) return throwError(env, "batchNormForward: a tensor lies outside the WASM heap");
  std::vector<double> scratch(3 * channels);
  ::batchNormForward(x, gamma, beta, y, stats, static_cast<int32_t>(rows), static_cast<int32_t>(channels), static_cast<float>(call.p[2]),
                   scratch.data());
  return boolean(env, true);
}

napi_value batchNormBackward(napi_env env, napi_callback_info info) {
  HeapCall call;
  if (!readHeapCall(env, info, 7, 3, call))
    return throwError(env, "batchNormBackward(heap, dy, x, stats, gamma, dx, dGamma, dBeta, Float64Array [M, C, 0]) with positive integer M, C");
  const int64_t rows = call.p[0], channels = call.p[1];
  const Args& a = call.args;
  float* dy = tensorAt(a, call.off[0], rows * channels);
  float* x = tensorAt(a, call.off[1], rows * channels);
  float* stats = tensorAt(a, call.off[2], 3 * channels);
  float* gamma = tensorAt(a, call.off[3], channels);
  float* dx = tensorAt(a, call.off[4], rows * channels);
  float* dGamma = tensorAt(a, call.off[5], channels);
  float* dBeta = tensorAt(a, call.off[6], channels);
  if (!dy || !x || !stats || !gamma || !dx || !dGamma || !dBeta) return throwError(env, "batchNormBackward: a tensor lies outside the WASM heap");
  std::vector<double> scratch(5 * channels);
  ::batchNormBackward(dy, x, stats, gamma, dx, dGamma, dBeta, static_cast<int32_t>(rows), static_cast<int32_t>(channels), scratch.data());
  return boolean(env, true);
}

// ---- max pooling (fused_kernels.c) ----------------------------------------------------------------

bool nonNegativeInt32(double v) { return v >= 0 && v <= INT32_MAX && v == static_cast<double>(static_cast<int64_t>(v)); }

napi_value maxPoolForward(napi_env env, napi_callback_info info) {
  HeapCall call;
  bool ok = readHeapCall(env, info, 3, 12, call);
  for (int i = 0; ok && i < 12; i++) ok = nonNegativeInt32(call.p[i]) && (i >= 10 || call.p[i] >= 1);
  if (!ok)
    return throwError(env,
                      "maxPoolForward(heap, x, y, argmax, Float64Array [N, H, W, C, OH, OW, KH, KW, SH, SW, padTop, padLeft]) with positive "
                      "integer sizes and non-negative padding");
  const double* p = call.p;
  const int64_t n = p[0], h = p[1], w = p[2], c = p[3], oh = p[4], ow = p[5];
  const int64_t inCount = n * h * w * c, outCount = n * oh * ow * c;
  if (inCount > INT32_MAX || outCount > INT32_MAX) return throwError(env, "maxPoolForward: a tensor exceeds the WASM heap");
  float* x = tensorAt(call.args, call.off[0], inCount);
  float* y = tensorAt(call.args, call.off[1], outCount);
  float* argmax = tensorAt(call.args, call.off[2], outCount);  // int32, the same size as float32
  if (!x || !y || !argmax) return throwError(env, "maxPoolForward: a tensor lies outside the WASM heap");
  const auto i32 = [](double v) { return static_cast<int32_t>(v); };
  ::maxPoolForward(x, y, reinterpret_cast<int32_t*>(argmax), i32(p[0]), i32(p[1]), i32(p[2]), i32(p[3]), i32(p[4]), i32(p[5]), i32(p[6]),
                   i32(p[7]), i32(p[8]), i32(p[9]), i32(p[10]), i32(p[11]));
  return boolean(env, true);
}

napi_value maxPoolBackward(napi_env env, napi_callback_info info) {
  HeapCall call;
  if (!readHeapCall(env, info, 3, 2, call) || !nonNegativeInt32(call.p[0]) || !nonNegativeInt32(call.p[1]))
    return throwError(env, "maxPoolBackward(heap, dy, argmax, dx, Float64Array [outCount, inCount]) with positive integer counts");
  const int64_t outCount = call.p[0], inCount = call.p[1];
  float* dy = tensorAt(call.args, call.off[0], outCount);
  float* argmax = tensorAt(call.args, call.off[1], outCount);
  float* dx = tensorAt(call.args, call.off[2], inCount);
  if (!dy || !argmax || !dx) return throwError(env, "maxPoolBackward: a tensor lies outside the WASM heap");
  ::maxPoolBackward(dy, reinterpret_cast<int32_t*>(argmax), dx, static_cast<int32_t>(outCount), static_cast<int32_t>(inCount));
  return boolean(env, true);
}

// ---- threads and version -------------------------------------------------------------------------

napi_value setThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int64_t n;
  if (argc != 1 || !readInt(env, argv[0], n) || n < 1) return throwError(env, "setThreads(n) needs a positive integer");
  omp_set_num_threads(static_cast<int>(n));
  return nullptr;
}

napi_value threads(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_int32(env, omp_get_max_threads(), &result);
  return result;
}

napi_value version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  char buf[96];
  snprintf(buf, sizeof buf, "%d.%d.%d", v->major, v->minor, v->patch);
  napi_value result;
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &result);
  return result;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv2d", nullptr, conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"swish", nullptr, swish, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ashForward", nullptr, ashForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ashBackward", nullptr, ashBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormForward", nullptr, batchNormForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormBackward", nullptr, batchNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolForward", nullptr, maxPoolForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolBackward", nullptr, maxPoolBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, setThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
