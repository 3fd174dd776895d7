// The compute kernels' threads: a small persistent pool whose idle workers sleep on a condition
// variable. OpenMP's default barrier spins, and on a machine whose cores are shared with other
// processes every region then waits for a descheduled spinner (measured: the CNN's batch took
// 70-100 ms with OpenMP's default wait policy on a loaded 2-core machine, 9 ms with sleeping
// workers). The thread count follows omp_get_max_threads(), so OMP_NUM_THREADS still applies.
#ifndef TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_THREAD_POOL_H_
#define TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_THREAD_POOL_H_

#include <cstdint>
#include <functional>

namespace tinyforge::train::compute {

// Threads the kernels use: omp_get_max_threads() of the calling thread (at least 1).
int max_threads();

// Runs job(t) for t in [0, threads) concurrently, the caller running t = 0, and returns when all
// have finished. Rethrows the first exception a job threw. Calls from inside a job run serially.
void parallel_run(int threads, const std::function<void(int)>& job);

// Runs task(i) for every i in [0, count), threads taking the next index as they become free, so a
// thread the scheduler starts late (shared cores) simply takes fewer tasks. Tasks must not depend
// on which thread runs them.
void parallel_for(int64_t count, const std::function<void(int64_t)>& task);

}  // namespace tinyforge::train::compute

#endif  // TINYFORGE_TOOLKIT_TRAIN_OPS_COMPUTE_THREAD_POOL_H_
