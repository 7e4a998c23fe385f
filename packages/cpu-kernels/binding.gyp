{
  "targets": [
    {
      "target_name": "raunet_cpu_kernels",
      "sources": [
        "native/addon.cc",
        "native/napi_args.cc",
        "native/conv3d.cc",
        "native/conv3d_bf16.cc",
        "native/matmul.cc",
        "native/elementwise.cc",
        "native/elementwise_napi.cc",
        "native/channel_affine.cc",
        "native/attention.cc",
        "native/linear_upsample.cc",
        "native/vector_math.cc",
        "native/peak_flops.cc",
        "native/memory_tuning.cc"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-fexceptions", "-frtti", "-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp", "-Wno-psabi"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
