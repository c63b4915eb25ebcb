//! The application form as its partial draws it: the fields [`policy::FIELDS`] asks for, in
//! their sections, each with its label, control, choices, hint and whether it is needed.

use policy::{Ask, Choices, Control, FieldSpec, Need, Programme, Section};
use serde_json::{Value, json};

/// The form's sections in order, each `{legend, inputs}`; an input is `{code, label, control
/// (line, area, select, radios or check), hint, required, condition, show_when}`, with `type`,
/// `autocomplete`, `inputmode`, `maxlength`, `list` (the id of its suggestions, if any) and
/// `suggest` (the `programme` key of the suggestions) for a line, `maxlength` for an area and `options` (the `programme` key of the choices) for a
/// select or radios.
pub fn form_view(p: &Programme) -> Value {
    Section::ALL
        .iter()
        .map(|&section| {
            let inputs: Vec<Value> = policy::FIELDS
                .iter()
                .filter_map(|f| f.ask.filter(|a| a.section == section).map(|a| input(p, f, a)))
                .collect();
            json!({"legend": section.legend(), "inputs": inputs})
        })
        .collect()
}

fn input(p: &Programme, f: &FieldSpec, ask: Ask) -> Value {
    // The names a hint or statement may carry: the centre's, and the notice's 联系单位.
    let centre = |text: &str| text.replace("{centre}", &p.centre.name).replace("{office}", &p.contact.office);
    let (required, condition) = match ask.need {
        Need::Always => (true, ""),
        Need::Optional => (false, ""),
        Need::When(case) => (false, case),
    };
    let mut view = json!({
        "code": f.code,
        "label": f.label,
        "hint": centre(ask.hint),
        "required": required,
        "condition": condition,
        "show_when": ask.shown_when,
    });
    let more = match ask.control {
        Control::Line { kind, autocomplete, max, suggest } => json!({
            "control": "line",
            "type": kind,
            "autocomplete": autocomplete,
            "inputmode": if kind == "tel" { "tel" } else { "" },
            "maxlength": max,
            "list": suggest.map(|_| format!("f-{}-list", f.code)).unwrap_or_default(),
            "suggest": suggest.map(key),
        }),
        Control::Area { max } => json!({"control": "area", "maxlength": max}),
        Control::Select(choices) => json!({"control": "select", "options": key(choices)}),
        Control::Radios(choices) => json!({"control": "radios", "options": key(choices)}),
        Control::Check { statement: "" } => json!({"control": "check"}),
        Control::Check { statement } => json!({"control": "check", "label": centre(statement)}),
    };
    if let (Some(view), Value::Object(more)) = (view.as_object_mut(), more) {
        view.extend(more);
    }
    view
}

/// The key of the programme view that lists `choices`, each `{code, name}`.
fn key(choices: Choices) -> &'static str {
    match choices {
        Choices::Ethnicity => "ethnic_options",
        Choices::Education => "education_levels",
        Choices::TitleLevel => "title_levels",
        Choices::UnitLevel => "unit_levels",
        Choices::League => "leagues",
        Choices::Department => "department_options",
        Choices::Sector => "sectors",
        Choices::Field => "fields",
        Choices::Track => "tracks",
    }
}
