"""Accounts and memberships: admins create, deactivate and reset; users change their password;
owners manage members and roles; every change lands in the audit log."""

from bs4 import BeautifulSoup

from tests.web.conftest import PASSWORD, Team, sign_in


def test_admin_creates_an_account_that_can_sign_in(web, app):
    created = web.post("/admin/users", {"username": "Newbie", "password": PASSWORD, "display_name": "New Bie"})
    assert created.status_code == 200 and "Account &#39;newbie&#39; created" in created.text
    assert sign_in(app, "newbie").get("/").status_code == 200
    taken = web.post("/admin/users", {"username": "newbie", "password": PASSWORD})
    assert taken.status_code == 422 and "is taken" in taken.text


def test_deactivating_a_user_ends_their_sign_in_at_once(team: Team):
    assert team.annotator.get(f"/projects/{team.project}/examples").status_code == 200
    team.owner.post(f"/admin/users/{team.ids['anna']}", {"action": "deactivate"})
    assert team.annotator.get(f"/projects/{team.project}/examples").status_code == 303  # back to sign-in
    again = team.annotator.post("/login", {"username": "anna", "password": PASSWORD})
    assert again.status_code == 401


def test_password_reset_by_admin_signs_the_user_out_and_sets_the_new_password(team: Team, app):
    team.owner.post(f"/admin/users/{team.ids['rita']}", {"action": "reset_password", "password": "brand new password"})
    assert team.reviewer.get("/").status_code == 303
    assert sign_in(app, "rita", "brand new password").get("/").status_code == 200


def test_changing_your_own_password_keeps_this_sign_in_and_ends_others(team: Team, app):
    elsewhere = sign_in(app, "anna")
    wrong = team.annotator.post("/account/password", {"current": "nope", "new": "another long one", "again": "another long one"})
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    ok = team.annotator.post("/account/password", {"current": PASSWORD, "new": "another long one", "again": "another long one"})
    assert ok.status_code == 200 and "Password changed" in ok.text
    assert team.annotator.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 303


def test_owner_changes_roles_and_the_last_owner_stays(team: Team):
    p = team.project
    assert team.owner.post(f"/projects/{p}/members", {"username": "otto", "role": "viewer"}).status_code == 303
    assert team.outsider.get(f"/projects/{p}/examples").status_code == 200
    demote = team.owner.post(f"/projects/{p}/members", {"username": "rita", "role": "annotator"})
    assert demote.status_code == 303
    assert team.reviewer.post(f"/projects/{p}/bulk", {"action": "approve", "ids": ["1"]}).status_code == 403
    unknown = team.owner.post(f"/projects/{p}/members", {"username": "ghost", "role": "viewer"})
    assert unknown.status_code == 422 and "No active account" in unknown.text
    admin_id = team.ids["admin"]
    last = team.owner.post(f"/projects/{p}/members/{admin_id}/remove")
    assert last.status_code == 422 and "at least one owner" in last.text
    log = team.owner.get(f"/projects/{p}/audit").text
    assert "member role" in log and "rita" in log and "member added" in log


def test_projects_list_shows_only_your_projects_with_your_role(team: Team):
    team.owner.create_project("ad_supported", name="Ads")
    listed = team.annotator.get("/").text
    assert "Tweets" in listed and "Ads" not in listed and "annotator" in listed
    assert "Tweets" not in team.outsider.get("/").text


def test_a_refused_add_keeps_the_username_and_role_typed(team: Team):
    p = team.project
    for username in ("ghost", "a\u202eb" * 50):
        refused = team.owner.post(f"/projects/{p}/members", {"username": username, "role": "reviewer", "adding": "1"})
        assert refused.status_code == 422
        add = BeautifulSoup(refused.text, "html.parser").select("form.row-form")[-1]
        assert add.select_one('input[name="username"]')["value"] == username
        assert add.select_one('select[name="role"] option[selected]').get_text() == "reviewer"
        assert "No active account" in refused.text
    unknown_role = team.owner.post(f"/projects/{p}/members", {"username": "otto", "role": "boss", "adding": "1"})
    assert unknown_role.status_code == 422 and "Pick a role" in unknown_role.text
    assert BeautifulSoup(unknown_role.text, "html.parser").select_one('form.row-form input[name="username"]')["value"] == "otto"
