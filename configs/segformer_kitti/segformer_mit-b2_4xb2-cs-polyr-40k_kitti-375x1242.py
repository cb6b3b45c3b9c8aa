# Report step 2, "+poly": AdamW, lr = lr0 * (1 - i / T_i) ** power with
# lr0 = 1e-5, power = 1.0, restarted every T_i = 20000 iterations
# (PolyRestartLR; two periods in the 40k budget).
_base_ = ['./segformer_mit-b2_4xb2-cs-40k_kitti-375x1242.py']
restart_period = 20000  # T_i
optim_wrapper = dict(optimizer=dict(lr=1e-5))
param_scheduler = [
    dict(
        type='PolyRestartLR',
        periods=[restart_period, restart_period],
        restart_weights=[1.0, 1.0],
        power=1.0,
        eta_min=0.0,
        by_epoch=False)
]
