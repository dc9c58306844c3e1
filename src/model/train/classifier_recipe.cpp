#include "model/train/classifier_recipe.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <type_traits>
#include <utility>

#include "model/feature_schema.hpp"

namespace vigil::model::train {
namespace {

std::string_view weighting_name(ClassWeighting w) {
  return w == ClassWeighting::balanced ? "balanced" : "none";
}

Result<ClassWeighting> parse_weighting(std::string_view name) {
  if (name == "balanced") return ClassWeighting::balanced;
  if (name == "none") return ClassWeighting::none;
  return fail(ErrorCode::parse, "weighting '{}': expected balanced or none", name);
}

constexpr int k_recipe_version_without_variation = 2;

bool is_level(std::string_view name) {
  return name == "rms_db" || name == "peak_db" || name == "velocity_rms_db";
}

bool is_envelope(std::string_view name) {
  return name.size() > 7 && name.substr(name.size() - 7) == "_snr_db";
}

bool is_family(std::size_t column) { return column >= k_feature_count; }

// Schema columns the recipe reads, ascending (all when the list is empty).
Result<std::vector<std::size_t>> columns_of(const std::vector<std::string>& names) {
  std::vector<std::size_t> cols;
  if (names.empty()) {
    for (std::size_t i = 0; i < k_classifier_feature_count; ++i) cols.push_back(i);
    return cols;
  }
  for (const auto& n : names) {
    const auto i = feature_index(n);
    if (!i)
      return fail(ErrorCode::not_found, "feature '{}' is not in feature schema {}", n,
                  k_feature_schema_version);
    cols.push_back(*i);
  }
  std::sort(cols.begin(), cols.end());
  if (std::adjacent_find(cols.begin(), cols.end()) != cols.end()) {
    return fail(ErrorCode::invalid_argument, "a feature is listed twice in the recipe");
  }
  return cols;
}

Dataset select_columns(const Dataset& d, const std::vector<std::size_t>& cols) {
  if (cols.size() == d.features) return d;
  Dataset out;
  out.rows = d.rows;
  out.features = cols.size();
  out.labels = d.labels;
  out.weights = d.weights;
  out.x.reserve(out.rows * out.features);
  for (std::size_t r = 0; r < d.rows; ++r) {
    const auto row = d.row(r);
    for (auto c : cols) out.x.push_back(row[c]);
  }
  return out;
}

// Layer 0 of a network trained on the selected columns, widened to the full schema: the columns not read
// get weight 0, so W' x = W x_selected exactly and the bias is unchanged.
void widen_first_layer(MlpSpec& spec, const std::vector<std::size_t>& cols) {
  DenseLayer& first = spec.layers.front();
  if (first.inputs == k_classifier_feature_count) return;
  std::vector<float> w(first.outputs * k_classifier_feature_count, 0.0f);
  for (std::size_t o = 0; o < first.outputs; ++o) {
    for (std::size_t k = 0; k < cols.size(); ++k)
      w[o * k_classifier_feature_count + cols[k]] = first.weight[o * first.inputs + k];
  }
  first.weight = std::move(w);
  first.inputs = k_classifier_feature_count;
}

template <typename T>
struct is_vector : std::false_type {};
template <typename U>
struct is_vector<std::vector<U>> : std::true_type {};

// nlohmann converts numbers between kinds silently (-1 into a size_t, 2.5 into an int): refuse instead.
template <typename T>
bool kind_ok(const nlohmann::json& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string();
  } else if constexpr (std::is_floating_point_v<T>) {
    return v.is_number();
  } else if constexpr (std::is_unsigned_v<T>) {
    return v.is_number_unsigned();
  } else if constexpr (std::is_integral_v<T>) {
    return v.is_number_integer();
  } else {
    static_assert(is_vector<T>::value);
    return v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) {
             return kind_ok<typename T::value_type>(e);
           });
  }
}

template <typename T>
Result<T> get(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return fail(ErrorCode::parse, "classifier recipe: missing key '{}'", key);
  if (!kind_ok<T>(*it)) {
    return fail(ErrorCode::parse, "classifier recipe: key '{}' has the wrong type ({})", key, it->dump());
  }
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return fail(ErrorCode::parse, "classifier recipe: key '{}' has the wrong type ({})", key,
                it->type_name());
  }
}

}  // namespace

std::string_view to_string(SyntheticVariation variation) {
  return variation == SyntheticVariation::varied ? "varied" : "cwru-rig";
}

Result<SyntheticVariation> parse_synthetic_variation(std::string_view name) {
  if (name == "cwru-rig") return SyntheticVariation::cwru_rig;
  if (name == "varied") return SyntheticVariation::varied;
  return fail(ErrorCode::parse, "synthetic_variation '{}': expected cwru-rig or varied", name);
}

ClassifierRecipe default_classifier_recipe() {
  ClassifierRecipe r;
  r.features = *parse_feature_set("family");
  return r;
}

Result<std::vector<std::string>> parse_feature_set(std::string_view text) {
  std::vector<std::string> names;
  if (text == "all") return names;
  if (text == "no-levels" || text == "envelope" || text == "family" || text == "window" ||
      text == "no-levels+family") {
    const auto schema = classifier_feature_schema();
    for (std::size_t i = 0; i < schema.size(); ++i) {
      const auto name = schema[i].name;
      const bool take = text == "no-levels"          ? !is_family(i) && !is_level(name)
                        : text == "envelope"         ? is_envelope(name)
                        : text == "family"           ? is_family(i)
                        : text == "no-levels+family" ? !is_level(name)
                                                     : !is_family(i);
      if (take) names.emplace_back(name);
    }
    return names;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    const auto name = text.substr(start, comma - start);
    if (name.empty()) return fail(ErrorCode::invalid_argument, "feature list '{}': empty name", text);
    if (!feature_index(name)) {
      return fail(ErrorCode::not_found,
                  "feature '{}' is not in feature schema {} (sets: all, window, no-levels, envelope, family, "
                  "no-levels+family; or a "
                  "comma-separated list of schema names)",
                  name, k_feature_schema_version);
    }
    names.emplace_back(name);
    start = comma + 1;
  }
  return names;
}

Status check_recipe(const ClassifierRecipe& r) {
  ClassifierConfig c;
  c.classes = 2;
  c.hidden = r.hidden;
  c.hidden_activation = r.hidden_activation;
  c.weighting = r.weighting;
  c.optimizer = r.optimizer;
  if (auto ok = check_config(c); !ok) return std::unexpected(ok.error().with_context("classifier recipe"));
  if (r.validation_every < 2) {
    return fail(ErrorCode::invalid_argument, "classifier recipe: validation_every must be at least 2, got {}",
                r.validation_every);
  }
  if (!(r.abstain_threshold >= 0 && r.abstain_threshold <= 1)) {
    return fail(ErrorCode::invalid_argument, "classifier recipe: abstain_threshold {} outside [0, 1]",
                r.abstain_threshold);
  }
  if (auto cols = columns_of(r.features); !cols)
    return std::unexpected(cols.error().with_context("classifier recipe"));
  return {};
}

nlohmann::json recipe_to_json(const ClassifierRecipe& r) {
  const OptimizerConfig& o = r.optimizer;
  return {{"type", "classifier_recipe"},
          {"version", k_classifier_recipe_version},
          {"features", r.features},
          {"hidden", r.hidden},
          {"hidden_activation", std::string(to_string(r.hidden_activation))},
          {"weighting", std::string(weighting_name(r.weighting))},
          {"max_epochs", o.max_epochs},
          {"patience_epochs", o.patience_epochs},
          {"min_improvement", o.min_improvement},
          {"batch_size", o.batch_size},
          {"learning_rate", o.learning_rate},
          {"weight_decay", o.weight_decay},
          {"dropout", o.dropout},
          {"input_noise_sd", o.input_noise_sd},
          {"seed", o.seed},
          {"validation_every", r.validation_every},
          {"abstain_threshold", r.abstain_threshold},
          {"synthetic_faults", r.synthetic_faults},
          {"synthetic_variation", std::string(to_string(r.synthetic_variation))},
          {"refit", "train + validation, best_epoch epochs"}};
}

Result<ClassifierRecipe> recipe_from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return fail(ErrorCode::parse, "classifier recipe: expected a JSON object, got {}", j.type_name());
  auto type = get<std::string>(j, "type");
  if (!type) return std::unexpected(type.error());
  if (*type != "classifier_recipe") {
    return fail(ErrorCode::parse, "classifier recipe: type '{}', expected 'classifier_recipe'", *type);
  }
  auto version = get<int>(j, "version");
  if (!version) return std::unexpected(version.error());
  if (*version != k_classifier_recipe_version && *version != k_recipe_version_without_variation) {
    return fail(ErrorCode::parse, "classifier recipe: version {}, this build reads {} to {}", *version,
                k_recipe_version_without_variation, k_classifier_recipe_version);
  }
  ClassifierRecipe r;
  auto features = get<std::vector<std::string>>(j, "features");
  auto hidden = get<std::vector<std::size_t>>(j, "hidden");
  auto activation = get<std::string>(j, "hidden_activation");
  auto weighting = get<std::string>(j, "weighting");
  auto max_epochs = get<std::size_t>(j, "max_epochs");
  auto patience = get<std::size_t>(j, "patience_epochs");
  auto min_improvement = get<double>(j, "min_improvement");
  auto batch = get<std::size_t>(j, "batch_size");
  auto lr = get<double>(j, "learning_rate");
  auto decay = get<double>(j, "weight_decay");
  auto dropout = get<double>(j, "dropout");
  auto noise = get<double>(j, "input_noise_sd");
  auto seed = get<std::uint64_t>(j, "seed");
  auto every = get<std::size_t>(j, "validation_every");
  auto abstain = get<double>(j, "abstain_threshold");
  auto synthetic = get<std::size_t>(j, "synthetic_faults");
  for (const Error* e :
       {features ? nullptr : &features.error(), hidden ? nullptr : &hidden.error(),
        activation ? nullptr : &activation.error(), weighting ? nullptr : &weighting.error(),
        max_epochs ? nullptr : &max_epochs.error(), patience ? nullptr : &patience.error(),
        min_improvement ? nullptr : &min_improvement.error(), batch ? nullptr : &batch.error(),
        lr ? nullptr : &lr.error(), decay ? nullptr : &decay.error(), dropout ? nullptr : &dropout.error(),
        noise ? nullptr : &noise.error(), seed ? nullptr : &seed.error(), every ? nullptr : &every.error(),
        abstain ? nullptr : &abstain.error(), synthetic ? nullptr : &synthetic.error()}) {
    if (e != nullptr) return std::unexpected(*e);
  }
  auto act = parse_activation(*activation);
  if (!act) return fail(ErrorCode::parse, "classifier recipe: hidden_activation: {}", act.error().message);
  auto w = parse_weighting(*weighting);
  if (!w) return fail(ErrorCode::parse, "classifier recipe: {}", w.error().message);
  r.features = std::move(*features);
  r.hidden = std::move(*hidden);
  r.hidden_activation = *act;
  r.weighting = *w;
  r.optimizer.max_epochs = *max_epochs;
  r.optimizer.patience_epochs = *patience;
  r.optimizer.min_improvement = *min_improvement;
  r.optimizer.batch_size = *batch;
  r.optimizer.learning_rate = *lr;
  r.optimizer.weight_decay = *decay;
  r.optimizer.dropout = *dropout;
  r.optimizer.input_noise_sd = *noise;
  r.optimizer.seed = *seed;
  r.validation_every = *every;
  r.abstain_threshold = *abstain;
  r.synthetic_faults = *synthetic;
  if (*version != k_recipe_version_without_variation) {
    auto variation_name = get<std::string>(j, "synthetic_variation");
    if (!variation_name) return std::unexpected(variation_name.error());
    auto variation = parse_synthetic_variation(*variation_name);
    if (!variation) return fail(ErrorCode::parse, "classifier recipe: {}", variation.error().message);
    r.synthetic_variation = *variation;
  }
  if (auto ok = check_recipe(r); !ok) return fail(ErrorCode::parse, "{}", ok.error().message);
  return r;
}

Result<Dataset> concat(const Dataset& a, const Dataset& b) {
  if (a.rows == 0) return b;
  if (b.rows == 0) return a;
  if (a.features != b.features) {
    return fail(ErrorCode::invalid_argument, "cannot stack {} features on {}", b.features, a.features);
  }
  Dataset out = a;
  out.rows += b.rows;
  out.x.insert(out.x.end(), b.x.begin(), b.x.end());
  if (!a.labels.empty() && !b.labels.empty()) {
    out.labels.insert(out.labels.end(), b.labels.begin(), b.labels.end());
  } else {
    out.labels.clear();
  }
  if (!a.weights.empty() || !b.weights.empty()) {
    out.weights = a.weights.empty() ? std::vector<float>(a.rows, 1.0f) : a.weights;
    if (b.weights.empty()) {
      out.weights.insert(out.weights.end(), b.rows, 1.0f);
    } else {
      out.weights.insert(out.weights.end(), b.weights.begin(), b.weights.end());
    }
  }
  return out;
}

Result<RecipeResult> train_recipe(const Dataset& train, const Dataset& validation,
                                  const ClassifierRecipe& recipe, std::size_t classes) {
  if (auto ok = check_recipe(recipe); !ok) return std::unexpected(ok.error());
  if (validation.rows == 0) {
    return fail(ErrorCode::invalid_argument,
                "classifier recipe: no validation rows to stop early on (give each class at least 2 training "
                "recordings)");
  }
  if (train.features != k_classifier_feature_count || validation.features != k_classifier_feature_count) {
    return fail(ErrorCode::invalid_argument,
                "classifier recipe: datasets must carry the {} schema features, got {}",
                k_classifier_feature_count, train.features);
  }
  auto cols = columns_of(recipe.features);
  if (!cols) return std::unexpected(cols.error());
  ClassifierConfig config;
  config.classes = classes;
  config.hidden = recipe.hidden;
  config.hidden_activation = recipe.hidden_activation;
  config.weighting = recipe.weighting;
  config.optimizer = recipe.optimizer;

  const Dataset train_sel = select_columns(train, *cols);
  const Dataset validation_sel = select_columns(validation, *cols);
  auto early = train_classifier(train_sel, validation_sel, config);
  if (!early) return std::unexpected(early.error());

  auto all = concat(train_sel, validation_sel);
  if (!all) return std::unexpected(all.error());
  ClassifierConfig refit_config = config;
  refit_config.optimizer.max_epochs = std::max<std::size_t>(1, early->best_epoch);
  auto refit = train_classifier(*all, Dataset{}, refit_config);
  if (!refit) return std::unexpected(refit.error().with_context("refit"));

  RecipeResult out{std::move(*early), std::move(*refit), std::move(*cols)};
  widen_first_layer(out.early.spec, out.feature_columns);
  widen_first_layer(out.model.spec, out.feature_columns);
  return out;
}

}  // namespace vigil::model::train
