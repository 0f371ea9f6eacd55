/* tests/fs/test_ops.c: every write op against every error it can give, as a
 * table of named cases (services/fs/fsmachine.c). Each row sets a machine up
 * with a script (tests/fs/util.c), runs one command, and checks its status;
 * a refused command must also leave the machine exactly as it was (but for
 * `applied`): every check comes before the first change. The invariants
 * hold after every row, and every reply encodes. */
#include <stdio.h>

#include "tests/fs/harness.h"

static struct fs_machine M, SAVED;
static struct fs_reply R;

void ft_run_case(const struct ft_case *c)
{
    fsm_init(&M);
    ft_sess = 0;
    int rv = ft_script(&M, c->setup, NULL);
    CHECK_OK();
    if (rv != 0) {
        ft_fail(__FILE__, __LINE__, "setup \"%s\" ended with %d", c->setup, rv);
        return;
    }
    ft_check_invariants(&M);
    CHECK_OK();
    memcpy(&SAVED, &M, sizeof M);
    rv = ft_script(&M, c->cmd, &R);
    CHECK_OK();
    if (rv != c->want) {
        ft_fail(__FILE__, __LINE__, "\"%s\" after \"%s\": %d, want %d", c->cmd, c->setup, rv,
                c->want);
        return;
    }
    CHECK_EQ(R.status, rv);
    CHECK_EQ(R.index, M.applied);
    ft_check_invariants(&M);
    CHECK_OK();
    if (rv != 0) {
        SAVED.applied = M.applied;
        CHECK(memcmp(&M, &SAVED, sizeof M) == 0); /* refused: nothing changed */
        CHECK_EQ(R.attr.ino, 0);
    }
    static uint8_t buf[FS_REPLY_MAX];
    CHECK(fs_reply_encode(&R, buf, sizeof buf) > 0);
}

#define MAXP "setattr /f size=1073741824"  /* FS_FILE_MAX */
#define OVERP "setattr /f size=1073741825" /* FS_FILE_MAX + 1 */

const struct ft_case ft_op_cases[] = {
    /* CREATE */
    {"create_new", "", "create /f", 0},
    {"create_in_subdir", "mkdir /d", "create /d/f", 0},
    {"create_existing_opens_it", "create /f", "create /f", 0},
    {"create_missing_parent_enoent", "", "create /a/f", -ENOENT},
    {"create_missing_grandparent_enoent", "mkdir /a", "create /a/b/f", -ENOENT},
    {"create_parent_is_file_enotdir", "create /f", "create /f/g", -ENOTDIR},
    {"create_deep_parent_is_file_enotdir", "mkdir /a; create /a/f", "create /a/f/g/h", -ENOTDIR},
    {"create_excl_exists_eexist", "create /f", "create /f excl", -EEXIST},
    {"create_excl_dir_eexist", "mkdir /d", "create /d excl", -EEXIST},
    {"create_excl_root_eexist", "", "create / excl", -EEXIST},
    {"create_dir_eisdir", "mkdir /d", "create /d", -EISDIR},
    {"create_root_eisdir", "", "create /", -EISDIR},
    {"create_trunc_dir_eisdir", "mkdir /d", "create /d trunc", -EISDIR},
    {"create_excl_before_estale", "create /f; nosession", "create /f excl open", -EEXIST},
    {"create_open_no_session_estale", "nosession", "create /f open", -ESTALE},
    {"create_open_existing_no_session_estale", "create /f; nosession", "create /f open", -ESTALE},
    {"create_open_expired_session_estale", "session; expire", "create /f open", -ESTALE},
    {"create_open", "session", "create /f open", 0},
    {"create_open_existing", "session; create /f", "create /f open trunc", 0},
    {"create_inodes_full_enospc", "fill", "create /new", -ENOSPC},
    {"create_existing_when_full", "create /f; fill", "create /f trunc", 0},
    {"create_open_table_full_enospc", "session; fillopens", "create /f open", -ENOSPC},
    {"create_estale_before_enospc", "fill; nosession", "create /new open", -ESTALE},
    /* MKDIR */
    {"mkdir_new", "", "mkdir /d", 0},
    {"mkdir_nested", "mkdir /a; mkdir /a/b", "mkdir /a/b/c", 0},
    {"mkdir_exists_dir_eexist", "mkdir /d", "mkdir /d", -EEXIST},
    {"mkdir_exists_file_eexist", "create /f", "mkdir /f", -EEXIST},
    {"mkdir_root_eexist", "", "mkdir /", -EEXIST},
    {"mkdir_missing_parent_enoent", "", "mkdir /a/b", -ENOENT},
    {"mkdir_parent_is_file_enotdir", "create /f", "mkdir /f/d", -ENOTDIR},
    {"mkdir_full_enospc", "fill", "mkdir /d", -ENOSPC},
    /* UNLINK */
    {"unlink_file", "create /f", "unlink /f", 0},
    {"unlink_open_file", "session; create /f open", "unlink /f", 0},
    {"unlink_missing_enoent", "", "unlink /f", -ENOENT},
    {"unlink_missing_parent_enoent", "", "unlink /a/f", -ENOENT},
    {"unlink_parent_is_file_enotdir", "create /f", "unlink /f/g", -ENOTDIR},
    {"unlink_dir_eisdir", "mkdir /d", "unlink /d", -EISDIR},
    {"unlink_root_eisdir", "", "unlink /", -EISDIR},
    /* RMDIR */
    {"rmdir_empty", "mkdir /d", "rmdir /d", 0},
    {"rmdir_open_dir", "session; mkdir /d; open /d", "rmdir /d", 0},
    {"rmdir_missing_enoent", "", "rmdir /d", -ENOENT},
    {"rmdir_missing_parent_enoent", "", "rmdir /a/d", -ENOENT},
    {"rmdir_parent_is_file_enotdir", "create /f", "rmdir /f/d", -ENOTDIR},
    {"rmdir_file_enotdir", "create /f", "rmdir /f", -ENOTDIR},
    {"rmdir_nonempty_enotempty", "mkdir /d; create /d/f", "rmdir /d", -ENOTEMPTY},
    {"rmdir_nonempty_subdir_enotempty", "mkdir /d; mkdir /d/e", "rmdir /d", -ENOTEMPTY},
    {"rmdir_root_ebusy", "", "rmdir /", -EBUSY},
    /* RENAME */
    {"rename_file", "create /f", "rename /f /g", 0},
    {"rename_across_dirs", "mkdir /a; mkdir /b; create /a/f", "rename /a/f /b/f", 0},
    {"rename_dir_across_dirs", "mkdir /a; mkdir /b; mkdir /a/d", "rename /a/d /b/e", 0},
    {"rename_same_path", "create /f", "rename /f /f", 0},
    {"rename_same_path_dir", "mkdir /d; create /d/f", "rename /d /d", 0},
    {"rename_missing_source_enoent", "", "rename /f /g", -ENOENT},
    {"rename_missing_same_path_enoent", "", "rename /f /f", -ENOENT},
    {"rename_source_parent_missing_enoent", "", "rename /a/f /g", -ENOENT},
    {"rename_source_parent_file_enotdir", "create /f", "rename /f/x /g", -ENOTDIR},
    {"rename_dest_parent_missing_enoent", "create /f", "rename /f /a/g", -ENOENT},
    {"rename_dest_parent_file_enotdir", "create /f; create /h", "rename /f /h/g", -ENOTDIR},
    {"rename_file_over_file", "create /f; create /g", "rename /f /g", 0},
    {"rename_file_over_open_file", "session; create /f; create /g open", "rename /f /g", 0},
    {"rename_dir_over_empty_dir", "mkdir /a; mkdir /b; create /a/f", "rename /a /b", 0},
    {"rename_dir_over_nonempty_enotempty", "mkdir /a; mkdir /b; create /b/f", "rename /a /b",
     -ENOTEMPTY},
    {"rename_file_over_dir_eisdir", "create /f; mkdir /d", "rename /f /d", -EISDIR},
    {"rename_dir_over_file_enotdir", "mkdir /d; create /f", "rename /d /f", -ENOTDIR},
    {"rename_dir_into_itself_einval", "mkdir /a", "rename /a /a/b", -EINVAL},
    {"rename_dir_into_subtree_einval", "mkdir /a; mkdir /a/b", "rename /a /a/b/c", -EINVAL},
    {"rename_dir_onto_own_child_einval", "mkdir /a; mkdir /a/b", "rename /a /a/b", -EINVAL},
    {"rename_dir_over_ancestor_enotempty", "mkdir /a; mkdir /a/b", "rename /a/b /a", -ENOTEMPTY},
    {"rename_file_over_ancestor_eisdir", "mkdir /a; create /a/f", "rename /a/f /a", -EISDIR},
    {"rename_file_into_sibling_dir", "mkdir /a; create /a/f; mkdir /a/b", "rename /a/f /a/b/f", 0},
    {"rename_root_ebusy", "", "rename / /x", -EBUSY},
    {"rename_onto_root_ebusy", "mkdir /a", "rename /a /", -EBUSY},
    {"rename_missing_onto_root_ebusy", "", "rename /nope /", -EBUSY},
    /* SETATTR */
    {"setattr_size", "create /f", "setattr /f size=100000", 0},
    {"setattr_size_max", "create /f", MAXP, 0},
    {"setattr_size_over_max_efbig", "create /f", OVERP, -EFBIG},
    {"setattr_mtime", "create /f", "setattr /f mtime=77", 0},
    {"setattr_mode", "create /f", "setattr /f mode=0600", 0},
    {"setattr_dir_mode", "mkdir /d", "setattr /d mode=0700 mtime=5", 0},
    {"setattr_root_mode", "", "setattr #1 mode=0777", 0},
    {"setattr_dir_size_eisdir", "mkdir /d", "setattr /d size=0", -EISDIR},
    {"setattr_dir_size_with_mode_eisdir", "mkdir /d", "setattr /d size=1 mode=0700", -EISDIR},
    {"setattr_missing_enoent", "", "setattr #999 size=1", -ENOENT},
    {"setattr_freed_enoent", "create /f; unlink /f", "setattr #2 mode=0600", -ENOENT},
    {"setattr_orphan", "session; create /f open; unlink /f", "setattr #3 size=5", 0},
    /* EXTEND, RESERVE */
    {"extend_file", "create /f", "extend /f 70000", 0},
    {"extend_never_shrinks", "create /f; setattr /f size=9", "extend /f 3", 0},
    {"extend_to_max", "create /f", "extend /f 1073741824", 0},
    {"extend_over_max_efbig", "create /f", "extend /f 1073741825", -EFBIG},
    {"extend_dir_eisdir", "mkdir /d", "extend /d 1", -EISDIR},
    {"extend_missing_enoent", "", "extend #999 1", -ENOENT},
    {"extend_orphan", "session; create /f open; unlink /f", "extend #3 5", 0},
    {"reserve_file", "create /f; extend /f 10", "reserve /f 5", 0},
    {"reserve_nothing", "create /f", "reserve /f 0", 0},
    {"reserve_to_max", "create /f; " MAXP, "reserve /f 0", 0},
    {"reserve_past_max_efbig", "create /f; setattr /f size=1073741823", "reserve /f 2", -EFBIG},
    {"reserve_huge_efbig", "create /f; extend /f 5", "reserve /f 0xffffffffffffffff", -EFBIG},
    {"reserve_dir_eisdir", "mkdir /d", "reserve /d 1", -EISDIR},
    {"reserve_missing_enoent", "", "reserve #999 1", -ENOENT},
    /* OPEN */
    {"open_file", "session; create /f", "open /f", 0},
    {"open_dir", "session; mkdir /d", "open /d", 0},
    {"open_root", "session", "open /", 0},
    {"open_trunc", "session; create /f; setattr /f size=9", "open /f trunc", 0},
    {"open_again", "session; create /f; open /f", "open /f", 0},
    {"open_missing_enoent", "session", "open /f", -ENOENT},
    {"open_missing_before_estale", "nosession", "open /f", -ENOENT},
    {"open_missing_parent_enoent", "session", "open /a/f", -ENOENT},
    {"open_parent_is_file_enotdir", "session; create /f", "open /f/g", -ENOTDIR},
    {"open_no_session_estale", "create /f; nosession", "open /f", -ESTALE},
    {"open_expired_session_estale", "session; create /f; expire", "open /f", -ESTALE},
    {"open_trunc_dir_eisdir", "session; mkdir /d", "open /d trunc", -EISDIR},
    {"open_table_full_enospc", "session; create /f; fillopens", "open /f", -ENOSPC},
    {"open_held_reference_when_full", "session; create /f; open /f; fillopens", "open /f", 0},
    {"open_count_max_emfile", "session; create /f; opens /f 65535", "open /f", -EMFILE},
    /* CLOSE */
    {"close_file", "session; create /f; open /f", "close /f", 0},
    {"close_orphan_frees", "session; create /f open; unlink /f", "close #3", 0},
    {"close_no_reference_ebadf", "session; create /f", "close /f", -EBADF},
    {"close_wrong_pid_ebadf", "session; create /f; open /f pid=2", "close /f pid=3", -EBADF},
    {"close_twice_ebadf", "session; create /f; open /f; close /f", "close /f", -EBADF},
    {"close_missing_inode_ebadf", "session", "close #999", -EBADF},
    {"close_no_session_estale", "session; create /f; open /f; nosession", "close /f", -ESTALE},
    /* sessions and releases */
    {"session_open", "", "session", 0},
    {"session_table_full_enospc", "fillsessions", "session", -ENOSPC},
    {"session_expire", "session; create /f open", "expire", 0},
    {"session_expire_unknown", "nosession", "expire", 0},
    {"release_nothing", "session", "release", 0},
    /* what is not a command */
    {"log_read_op_einval", "", "stat /", -EINVAL},
    {"log_garbage_ebadmsg", "", "garbage", -EBADMSG},
    {NULL, NULL, NULL, 0},
};
