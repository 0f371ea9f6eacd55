/* user/fsck.c: check the file service's data against its metadata.
 *
 *   fsck [-r] [-q]
 *
 * Walks the namespace from "/" (the metadata), lists every node's chunk
 * store with every block read and checked (CHUNK_OP_LIST with VERIFY), and
 * compares, for each chunk a file's size says exists, the replicas the
 * placement names (services/fs/placement.h):
 *   missing   a replica holds nothing while another holds data
 *   stale     a replica holds an older version than the newest
 *   corrupt   a replica has a block that fails its CRC
 *   diverged  same version, different data
 *   down      the replica's node does not answer
 * and counts orphans (chunks of files that no longer exist, or past a
 * file's end: left for garbage collection). -r asks each problem chunk's
 * primary to rewrite the bad replicas from a good one (CHUNK_OP_REPAIR),
 * then checks again. -q prints only the summary.
 * Exit status: 0 if no problem is left, 1 otherwise, 2 usage. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "services/fs/placement.h"
#include "user/fsclient.h"
#include "user/ulib.h"

#define MAX_FILES 4096
#define MAX_NODES FS_MAX_NODES /* chunks are placed over every node */
#define PAGE 512
#define CHUNK 65536ULL

struct file {
    uint64_t ino, size;
    char path[FSC_PATH_MAX + 2];
};

static struct file *files;
static int nfiles;
static struct fsc_chunk_info *held[MAX_NODES + 1];
static int nheld[MAX_NODES + 1];
static int reachable[MAX_NODES + 1];
static int quiet;

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("fsck: %s: cannot list\n", dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[FSC_PATH_MAX + FSC_NAME_MAX + 2];
        int len = snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
        if (len > FSC_PATH_MAX)
            continue; /* deeper than a path can name: reachable by inode only */
        struct fsc_stat st;
        if (fsc_stat(path, &st))
            continue; /* gone meanwhile */
        if (st.type == FSC_T_DIR) {
            walk(path);
        } else if (nfiles < MAX_FILES) {
            files[nfiles].ino = st.ino;
            files[nfiles].size = st.size;
            memcpy(files[nfiles].path, path, (size_t)len + 1);
            nfiles++;
        }
    }
    closedir(d);
}

static void list_node(uint32_t k)
{
    free(held[k]);
    held[k] = 0;
    nheld[k] = 0;
    int cap = 0, first = 1;
    uint64_t ino = 0;
    uint32_t index = 0;
    for (;;) {
        if (nheld[k] + PAGE > cap) {
            cap = cap ? cap * 2 : 4 * PAGE;
            held[k] = realloc(held[k], (size_t)cap * sizeof held[k][0]);
        }
        int n = fsc_store_list(k, first, ino, index, 1, held[k] + nheld[k], PAGE);
        if (n < 0) {
            reachable[k] = 0;
            return;
        }
        reachable[k] = 1;
        nheld[k] += n;
        if (n < PAGE)
            return;
        first = 0;
        ino = held[k][nheld[k] - 1].ino;
        index = held[k][nheld[k] - 1].index;
    }
}

static const struct fsc_chunk_info *find(uint32_t k, uint64_t ino, uint32_t index)
{
    int lo = 0, hi = nheld[k];
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        const struct fsc_chunk_info *e = &held[k][mid];
        if (e->ino < ino || (e->ino == ino && e->index < index))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < nheld[k] && held[k][lo].ino == ino && held[k][lo].index == index)
        return &held[k][lo];
    return 0;
}

static int file_of(uint64_t ino)
{
    for (int i = 0; i < nfiles; i++)
        if (files[i].ino == ino)
            return i;
    return -1;
}

struct counts {
    long chunks, missing, stale, corrupt, diverged, down, orphans, repaired;
};

static void check(int repair, struct counts *c)
{
    uint32_t nodes = (uint32_t)syscall0(SYS_NODES);
    if (nodes > MAX_NODES)
        nodes = MAX_NODES;
    memset(c, 0, sizeof *c);
    for (uint32_t k = 1; k <= nodes; k++)
        list_node(k);
    for (int f = 0; f < nfiles; f++) {
        uint64_t nchunks = (files[f].size + CHUNK - 1) / CHUNK;
        for (uint32_t idx = 0; idx < nchunks; idx++) {
            uint32_t reps[3];
            int n = fsc_chunk_replicas(files[f].ino, idx, reps);
            const struct fsc_chunk_info *e[3] = {0};
            uint64_t newest = 0;
            uint32_t digest = 0;
            for (int i = 0; i < n; i++) {
                if (!reachable[reps[i]])
                    continue;
                e[i] = find(reps[i], files[f].ino, idx);
                if (e[i] && !e[i]->bad && e[i]->version >= newest) {
                    newest = e[i]->version;
                    digest = e[i]->digest;
                }
            }
            if (newest == 0)
                continue; /* a hole (never written): nothing to hold */
            c->chunks++;
            for (int i = 0; i < n; i++) {
                const char *what = 0;
                if (!reachable[reps[i]])
                    what = "down", c->down++;
                else if (!e[i] || e[i]->version == 0)
                    what = "missing", c->missing++;
                else if (e[i]->bad)
                    what = "corrupt", c->corrupt++;
                else if (e[i]->version < newest)
                    what = "stale", c->stale++;
                else if (e[i]->digest != digest)
                    what = "diverged", c->diverged++;
                if (!what)
                    continue;
                if (!quiet)
                    printf("fsck: %s chunk %u (ino %lu): node %u %s", files[f].path, idx,
                           (unsigned long)files[f].ino, reps[i], what);
                if (!quiet && e[i] && !strcmp(what, "stale"))
                    printf(" (version %lu < %lu)", (unsigned long)e[i]->version,
                           (unsigned long)newest);
                if (!quiet && e[i] && e[i]->bad)
                    printf(" (blocks %#x)", e[i]->bad);
                if (!quiet)
                    printf("\n");
                if (repair && strcmp(what, "down")) {
                    int rv = fsc_chunk_repair(files[f].ino, idx, reps[i]);
                    if (rv > 0)
                        c->repaired += rv;
                    else if (!quiet)
                        printf("fsck:   repair failed: %s\n", rv ? err_str(rv) : "nothing done");
                }
            }
        }
    }
    for (uint32_t k = 1; k <= nodes; k++) {
        for (int i = 0; i < nheld[k]; i++) {
            const struct fsc_chunk_info *h = &held[k][i];
            int f = file_of(h->ino);
            if (f < 0 || (uint64_t)h->index * CHUNK >= files[f].size)
                c->orphans++;
        }
    }
}

static long problems(const struct counts *c)
{
    return c->missing + c->stale + c->corrupt + c->diverged + c->down;
}

int main(int argc, char **argv)
{
    int repair = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-r"))
            repair = 1;
        else if (!strcmp(argv[i], "-q"))
            quiet = 1;
        else {
            fprintf(stderr, "usage: fsck [-r] [-q]\n");
            return 2;
        }
    }
    files = malloc(MAX_FILES * sizeof *files);
    if (!files)
        return 1;
    walk("/");
    struct counts c;
    check(repair, &c);
    if (repair && c.repaired) {
        long found = problems(&c), fixed = c.repaired;
        quiet = 1;
        check(0, &c);
        c.repaired = fixed;
        printf("fsck: repaired %ld of %ld\n", fixed, found);
    }
    printf("fsck: %d files, %ld chunks, %ld problems (missing %ld, stale %ld, corrupt %ld, "
           "diverged %ld, down %ld), %ld orphans\n",
           nfiles, c.chunks, problems(&c), c.missing, c.stale, c.corrupt, c.diverged, c.down,
           c.orphans);
    return problems(&c) ? 1 : 0;
}
