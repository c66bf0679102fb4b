#!/usr/bin/env bash
# On a lent GPU machine (its python3 already holds CUDA PyTorch; no package registry there): the CUDA tests of the
# training paths, then the CPU-vs-GPU benchmark. Results go to $OUT (the device tool brings them back).
set -u
export PYTHONPATH=$PWD
nvidia-smi -L
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
python3 -m pytest -p no:warnings -rfEs tests/test_device.py tests/test_multitask.py tests/test_adapt.py -k "not cli" \
    2>&1 | tail -25
cd benchmarks && python3 devices.py --data ../data --threads 16 --architectures "${ARCHITECTURES:-textcnn,inception_base}"
cp results/devices/devices_*.md results/devices/devices_*.json "${OUT:-/tmp}/"
