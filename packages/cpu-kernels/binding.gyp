{
  "targets": [
    {
      "target_name": "raunet_cpu_kernels",
      "sources": ["native/cpu_kernels.cc", "native/elementwise.cc"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-fexceptions", "-frtti", "-std=c++17", "-O3", "-fno-math-errno", "-fopenmp"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
