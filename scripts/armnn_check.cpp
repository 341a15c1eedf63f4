// Independent check of a .tflite file with Arm NN (Debian: libarmnntfliteparser-dev,
// libarmnn-cpuref-backend22). Arm NN's TfLiteParser runs the FlatBuffers verifier
// generated from TFLite's schema.fbs before it parses, so a file it accepts is
// well-formed for every FlatBuffers reader; the CpuRef backend then runs it.
//
//   armnn_check model.tflite                  parse (verify) only
//   armnn_check model.tflite in.bin out.bin   also run: inputs concatenated in
//                                             subgraph order; outputs written the same way
// Exit status: 0 ok, 1 parse/verify failure, 2 run failure, 3 usage or I/O.
// A validation helper (scripts/validate_tflite.sh), not part of the product.
#include <armnn/ArmNN.hpp>
#include <armnnTfLiteParser/ITfLiteParser.hpp>

#include <cstdio>
#include <exception>
#include <vector>

static bool slurp(const char* path, std::vector<unsigned char>& out) {
  FILE* f = std::fopen(path, "rb");
  if (!f) return false;
  unsigned char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  std::fclose(f);
  return true;
}

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4) {
    std::fprintf(stderr, "usage: %s model.tflite [in.bin out.bin]\n", argv[0]);
    return 3;
  }
  auto parser = armnnTfLiteParser::ITfLiteParser::Create();
  armnn::INetworkPtr net(nullptr, nullptr);
  try {
    net = parser->CreateNetworkFromBinaryFile(argv[1]);
  } catch (const std::exception& e) {
    std::printf("PARSE-FAIL %s: %s\n", argv[1], e.what());
    return 1;
  }
  if (argc == 2) {
    std::printf("PARSE-OK %s\n", argv[1]);
    return 0;
  }
  try {
    armnn::IRuntime::CreationOptions ro;
    armnn::IRuntimePtr rt = armnn::IRuntime::Create(ro);
    armnn::IOptimizedNetworkPtr opt = armnn::Optimize(*net, {armnn::Compute::CpuRef}, rt->GetDeviceSpec());
    armnn::NetworkId id;
    if (rt->LoadNetwork(id, std::move(opt)) != armnn::Status::Success) {
      std::printf("RUN-FAIL %s: LoadNetwork\n", argv[1]);
      return 2;
    }
    std::vector<unsigned char> in;
    if (!slurp(argv[2], in)) return 3;
    armnn::InputTensors inputs;
    size_t off = 0;
    for (const auto& name : parser->GetSubgraphInputTensorNames(0)) {
      auto b = parser->GetNetworkInputBindingInfo(0, name);
      if (off + b.second.GetNumBytes() > in.size()) {
        std::printf("RUN-FAIL %s: input file too short\n", argv[1]);
        return 2;
      }
      inputs.push_back({b.first, armnn::ConstTensor(b.second, in.data() + off)});
      off += b.second.GetNumBytes();
    }
    std::vector<std::vector<unsigned char>> outs;
    armnn::OutputTensors outputs;
    auto out_names = parser->GetSubgraphOutputTensorNames(0);
    outs.reserve(out_names.size());
    for (const auto& name : out_names) {
      auto b = parser->GetNetworkOutputBindingInfo(0, name);
      outs.emplace_back(b.second.GetNumBytes());
      outputs.push_back({b.first, armnn::Tensor(b.second, outs.back().data())});
    }
    rt->EnqueueWorkload(id, inputs, outputs);
    FILE* f = std::fopen(argv[3], "wb");
    if (!f) return 3;
    for (const auto& o : outs) std::fwrite(o.data(), 1, o.size(), f);
    std::fclose(f);
  } catch (const std::exception& e) {
    std::printf("RUN-FAIL %s: %s\n", argv[1], e.what());
    return 2;
  }
  std::printf("RUN-OK %s\n", argv[1]);
  return 0;
}
