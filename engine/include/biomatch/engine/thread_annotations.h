// Lock annotations, as leveldb's port/thread_annotations.h: clang's thread
// safety attributes behind macros, empty under other compilers. Clang's
// -Wthread-safety checks them (tools/test.sh runs it, syntax only, over the
// library sources); g++ builds ignore them.
//
//   GUARDED_BY(mu)         the member is read and written only with mu held
//   PT_GUARDED_BY(mu)      what the pointer (or smart pointer) points to, likewise
//   REQUIRES(mu)           the caller holds mu exclusively
//   REQUIRES_SHARED(mu)    the caller holds mu, shared or exclusively
//   EXCLUDES(mu)           the caller does not hold mu (the function takes it)
//   ACQUIRE(...), RELEASE(...), ACQUIRE_SHARED(...), RELEASE_SHARED(...)
//                          the function takes or lets go of the capability
//   CAPABILITY(name)       the class is a lock (biomatch/engine/mutex.h)
//   SCOPED_CAPABILITY      the class holds a lock for its lifetime (RAII)
//   NO_THREAD_SAFETY_ANALYSIS  the function is not checked (say why)
#pragma once

#if defined(__clang__)
#define BIOMATCH_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define BIOMATCH_THREAD_ANNOTATION(x)
#endif

#ifndef GUARDED_BY
#define GUARDED_BY(x) BIOMATCH_THREAD_ANNOTATION(guarded_by(x))
#endif
#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) BIOMATCH_THREAD_ANNOTATION(pt_guarded_by(x))
#endif
#ifndef REQUIRES
#define REQUIRES(...) BIOMATCH_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#endif
#ifndef REQUIRES_SHARED
#define REQUIRES_SHARED(...) BIOMATCH_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#endif
#ifndef EXCLUDES
#define EXCLUDES(...) BIOMATCH_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#endif
#ifndef ACQUIRE
#define ACQUIRE(...) BIOMATCH_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#endif
#ifndef ACQUIRE_SHARED
#define ACQUIRE_SHARED(...) BIOMATCH_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))

#endif
#ifndef TRY_ACQUIRE_SHARED
// The function acquires the capability shared when it returns `ok`.
#define TRY_ACQUIRE_SHARED(...) BIOMATCH_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
#endif
#ifndef RELEASE
#define RELEASE(...) BIOMATCH_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#endif
#ifndef RELEASE_SHARED
#define RELEASE_SHARED(...) BIOMATCH_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#endif
#ifndef CAPABILITY
#define CAPABILITY(x) BIOMATCH_THREAD_ANNOTATION(capability(x))
#endif
#ifndef SCOPED_CAPABILITY
#define SCOPED_CAPABILITY BIOMATCH_THREAD_ANNOTATION(scoped_lockable)
#endif
#ifndef RETURN_CAPABILITY
#define RETURN_CAPABILITY(x) BIOMATCH_THREAD_ANNOTATION(lock_returned(x))
#endif
#ifndef NO_THREAD_SAFETY_ANALYSIS
#define NO_THREAD_SAFETY_ANALYSIS BIOMATCH_THREAD_ANNOTATION(no_thread_safety_analysis)
#endif
